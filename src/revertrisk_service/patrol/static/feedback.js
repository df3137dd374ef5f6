// Patroller feedback on the live patrol page, kept apart from patrol.js: it adds to the rows that
// patrol.js draws (a MutationObserver), so the page works the same without a token.
// - The token and the reviewer name live in sessionStorage only (never in a URL).
// - With a token, each row gets "Damaging", "Good-faith" and "Fine" buttons; d / g / f judge the
//   row that has the keyboard focus. The row then says what was recorded.
// - The observed precision of the chosen preset comes from GET /v1/models/<name>/feedback.
"use strict";
(function () {
  const TOKEN_KEY = "revertrisk.feedbackToken";
  const REVIEWER_KEY = "revertrisk.reviewer";
  const CHOICES = [
    { judgment: "damaging", label: "Damaging", key: "d" },
    { judgment: "goodfaith", label: "Good-faith", key: "g" },
    { judgment: "ok", label: "Fine", key: "f" },
  ];
  const recorded = new Map(); // "<wiki>:<rev>" -> judgment recorded this session
  const $ = (id) => document.getElementById(id);
  const tbody = document.querySelector("#edits tbody");
  const headRow = document.querySelector("#edits thead tr");

  const token = () => sessionStorage.getItem(TOKEN_KEY) || "";
  const reviewer = () => sessionStorage.getItem(REVIEWER_KEY) || "";
  const enabled = () => Boolean(token() && reviewer());

  function say(text) { $("feedback-status").textContent = text; }

  function showSettings() {
    $("feedback-reviewer").value = reviewer();
    $("feedback-token").value = "";
    $("feedback-token").placeholder = token() ? "token saved for this tab" : "";
    $("feedback-forget").hidden = !token();
    say(enabled() ? "Judging as " + reviewer() + ": use the buttons on each row, or d, g, f." :
      "Enter your name and a feedback token to judge edits.");
    let th = headRow.querySelector(".judge-col");
    if (enabled() && !th) {
      th = document.createElement("th");
      th.scope = "col";
      th.className = "judge-col";
      th.textContent = "Your judgment";
      headRow.append(th);
    } else if (!enabled() && th) th.remove();
    tbody.querySelectorAll("tr").forEach(decorate);
  }

  function rowKey(tr) { return tr.dataset.wiki + ":" + tr.dataset.revId; }

  function decorate(tr) {
    const old = tr.querySelector("td.judge");
    if (old) old.remove();
    if (!enabled()) return;
    const td = document.createElement("td");
    td.className = "judge";
    td.dataset.label = "Your judgment";
    const group = document.createElement("span");
    group.className = "judge-buttons";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Judge this edit");
    for (const choice of CHOICES) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.judgment = choice.judgment;
      button.textContent = choice.label;
      button.title = choice.label + " (" + choice.key + ")";
      button.setAttribute("aria-keyshortcuts", choice.key);
      button.addEventListener("click", () => judge(tr, choice.judgment));
      group.append(button);
    }
    const note = document.createElement("span");
    note.className = "judged";
    note.setAttribute("role", "status");
    td.append(group, note);
    tr.append(td);
    const done = recorded.get(rowKey(tr));
    if (done) markRecorded(tr, done);
  }

  function markRecorded(tr, judgment) {
    tr.dataset.judged = judgment;
    const label = CHOICES.find((c) => c.judgment === judgment).label;
    tr.querySelector(".judged").textContent = "Recorded: " + label;
    tr.querySelectorAll("[data-judgment]").forEach((b) =>
      b.setAttribute("aria-pressed", String(b.dataset.judgment === judgment)));
  }

  async function judge(tr, judgment) {
    const note = tr.querySelector(".judged");
    note.textContent = "Sending…";
    const body = { wiki_db: tr.dataset.wiki, rev_id: Number(tr.dataset.revId), judgment,
      reviewer: reviewer(), model_name: tr.dataset.model, score: Number(tr.dataset.score) };
    let response;
    try {
      response = await fetch("/v1/feedback", { method: "POST", body: JSON.stringify(body),
        headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token() } });
    } catch (e) {
      note.textContent = "Not recorded: the service cannot be reached.";
      return;
    }
    if (response.status === 201) {
      recorded.set(rowKey(tr), judgment);
      markRecorded(tr, judgment);
      refreshPrecision();
      return;
    }
    const error = await response.json().catch(() => ({}));
    note.textContent = "Not recorded: " + (error.error || ("status " + response.status));
  }

  // d / g / f judge the row holding the focus (a button or link in it), never while typing.
  document.addEventListener("keydown", (e) => {
    if (!enabled() || e.ctrlKey || e.metaKey || e.altKey) return;
    const tr = e.target.closest && e.target.closest("#edits tbody tr");
    const choice = CHOICES.find((c) => c.key === e.key.toLowerCase());
    if (!tr || !choice) return;
    e.preventDefault();
    judge(tr, choice.judgment);
  });

  new MutationObserver((changes) => {
    for (const change of changes) {
      change.addedNodes.forEach((node) => { if (node.nodeName === "TR") decorate(node); });
    }
  }).observe(tbody, { childList: true });

  $("feedback-save").addEventListener("click", () => {
    const name = $("feedback-reviewer").value.trim();
    const value = $("feedback-token").value.trim();
    if (name) sessionStorage.setItem(REVIEWER_KEY, name);
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    showSettings();
  });
  $("feedback-forget").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showSettings();
  });

  // --- observed precision of the chosen preset ------------------------------------------
  function chosenPreset() {
    const pressed = document.querySelector("[data-preset][aria-pressed='true']");
    return pressed ? pressed.dataset.preset : "";
  }
  function pct(x) { return (100 * x).toFixed(0) + "%"; }

  async function refreshPrecision() {
    const out = $("observed");
    const preset = chosenPreset();
    if (!preset) { out.textContent = ""; return; }
    const chosen = $("model").value;
    const models = chosen ? [chosen] : [...$("model").options].map((o) => o.value).filter(Boolean);
    const lines = [];
    for (const model of models) {
      let body;
      try {
        const response = await fetch("/v1/models/" + encodeURIComponent(model) + "/feedback");
        body = await response.json();
        if (response.status === 404 && body.code === "feature_disabled") { out.textContent = ""; return; }
        if (!response.ok) { lines.push(model + ": observed precision unavailable (" + body.error + ")"); continue; }
      } catch (e) { lines.push(model + ": observed precision unavailable"); continue; }
      const p = body.presets.find((x) => x.name === preset);
      const name = model.replace("revertrisk-", "");
      if (!p || p.threshold === null) lines.push(name + ": this preset has no threshold");
      else if (!p.n) lines.push(name + ": no judged edit at or above " + p.threshold.toFixed(3) + " yet");
      else lines.push(name + ": observed precision " + pct(p.precision) + " (95% interval " +
        pct(p.interval_95[0]) + "–" + pct(p.interval_95[1]) + ") from " + p.n + " judged edit" +
        (p.n === 1 ? "" : "s") + " scored ≥ " + p.threshold.toFixed(3));
    }
    out.textContent = lines.length ? "Observed in use, " + preset + ": " + lines.join(" · ") +
      ". Patrollers judge the edits they open, not a random sample." : "";
  }
  document.querySelectorAll("[data-preset]").forEach((b) =>
    b.addEventListener("click", () => setTimeout(refreshPrecision, 0)));
  $("model").addEventListener("change", () => setTimeout(refreshPrecision, 0));

  showSettings();
})();
