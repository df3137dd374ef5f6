// Live patrol page: rows arrive over SSE; filters apply to every row kept in memory.
"use strict";
(function () {
  const MAX_ROWS = 500;
  const rows = new Map(); // id -> row, oldest first
  const presets = {}; // model -> {preset name -> threshold or null}
  const state = { wiki: "", model: "", threshold: 0, preset: "", paused: false };
  const expanded = new Set(); // ids of rows whose diff is open, kept across redraws
  const $ = (id) => document.getElementById(id);
  const tbody = document.querySelector("#edits tbody");

  function scoreColour(p) {
    // Green (0) through amber to red (1); the number and word carry the meaning too.
    return "hsl(" + Math.round(120 * (1 - p)) + ", 75%, 82%)";
  }
  function scoreWord(p) { return p >= 0.8 ? "high" : p >= 0.4 ? "medium" : "low"; }

  function thresholdFor(row) {
    if (!state.preset) return state.threshold;
    const t = (presets[row.model] || {})[state.preset];
    return t === null || t === undefined ? Infinity : t; // no qualifying threshold: hide
  }
  function matches(row) {
    return (!state.wiki || row.wiki === state.wiki) &&
      (!state.model || row.model === state.model) &&
      row.score >= thresholdFor(row);
  }

  function cell(tr, label, node) {
    const td = document.createElement("td");
    td.dataset.label = label;
    td.append(node);
    tr.append(td);
    return td;
  }
  function text(s, cls) {
    const span = document.createElement("span");
    span.textContent = s;
    if (cls) span.className = cls;
    return span;
  }
  function valueText(v) {
    if (v === null || v === undefined) return "unknown";
    return typeof v === "number" ? String(Math.round(v * 1000) / 1000) : String(v);
  }
  function reasonsList(row) {
    // The score's top reasons (SHAP contributions): the direction in words, not colour alone.
    const reasons = row.reasons || [];
    if (!reasons.length) return text("No reasons recorded for this score.", "help");
    const list = document.createElement("ul");
    list.className = "reasons";
    list.setAttribute("aria-label", "Top reasons for this score");
    for (const r of reasons) {
      const item = document.createElement("li");
      const up = r.contribution > 0;
      item.className = up ? "up" : "down";
      item.append(text(up ? "▲ raises risk: " : "▼ lowers risk: ", "direction"),
        text(r.description), text(" (" + valueText(r.value) + ")", "value"));
      item.title = r.signal + ", " + (up ? "+" : "") + r.contribution.toFixed(3) + " log-odds";
      list.append(item);
    }
    return list;
  }
  function diffPart(label, texts, tag) {
    const part = document.createElement("div");
    part.className = "diff-part";
    const heading = document.createElement("p");
    heading.className = "diff-label";
    heading.textContent = label + (texts.length ? "" : ": nothing");
    part.append(heading);
    if (!texts.length) return part;
    const list = document.createElement("ul");
    for (const t of texts) {
      const item = document.createElement("li");
      const mark = document.createElement(tag);
      mark.textContent = t;
      item.append(mark);
      list.append(item);
    }
    part.append(list);
    return part;
  }
  function diffDetails(row) {
    // <details>: opens with Enter or Space on its summary, and with a tap on a phone.
    const details = document.createElement("details");
    details.className = "diff";
    const summary = document.createElement("summary");
    if (!row.diff) {
      summary.textContent = "Text changes unavailable";
      details.append(summary, text("This edit was too large to compare sentence by sentence.", "help"));
      return details;
    }
    summary.textContent = "Show text added (" + row.diff.inserted.length + ") and removed (" +
      row.diff.removed.length + ")";
    details.append(summary, diffPart("Added", row.diff.inserted, "ins"),
      diffPart("Removed", row.diff.removed, "del"));
    if (row.diff.truncated) details.append(text("Only the first sentences are shown.", "help"));
    details.open = expanded.has(row.id);
    details.addEventListener("toggle", () => {
      if (details.open) expanded.add(row.id); else expanded.delete(row.id);
    });
    return details;
  }
  function why(row) {
    const box = document.createElement("div");
    box.append(reasonsList(row), diffDetails(row));
    return box;
  }
  function render(row) {
    const tr = document.createElement("tr");
    tr.dataset.id = row.id;
    tr.dataset.revId = row.rev_id;
    tr.dataset.wiki = row.wiki;
    tr.dataset.model = row.model;
    tr.dataset.score = row.score;
    const badge = text(row.score.toFixed(3) + " " + scoreWord(row.score), "score");
    badge.style.background = scoreColour(row.score);
    badge.setAttribute("aria-label", "revert risk " + row.score.toFixed(3) + ", " + scoreWord(row.score));
    cell(tr, "Score", badge);
    const page = document.createElement("span");
    const link = document.createElement("a");
    link.href = row.diff_url;
    link.textContent = row.title;
    link.rel = "noopener";
    link.target = "_blank";
    page.append(link, text(" (diff " + row.rev_id + ")"));
    cell(tr, "Page", page);
    cell(tr, "Why", why(row)).className = "why";
    const who = document.createElement("span");
    who.append(text(row.user === null ? "(hidden)" : row.user));
    if (row.anonymous) who.append(text(row.temporary ? "temporary account" : "anonymous", "tag anon"));
    if (row.bot) who.append(text("bot", "tag"));
    cell(tr, "Editor", who);
    cell(tr, "Wiki", text(row.wiki));
    cell(tr, "Model", text(row.model.replace("revertrisk-", "")));
    cell(tr, "Scored", text(new Date(row.scored_at).toLocaleTimeString()));
    return tr;
  }

  function redraw() {
    const shown = [...rows.values()].filter(matches).reverse();
    tbody.replaceChildren(...shown.map(render));
    $("empty").hidden = shown.length > 0;
    status();
  }
  function status(extra) {
    const n = tbody.children.length;
    $("status").textContent = (extra || (state.paused ? "Paused" : "Live")) +
      " · " + n + " of " + rows.size + " edits shown";
  }

  function addOption(select, value, label) {
    if ([...select.options].some((o) => o.value === value)) return;
    const option = document.createElement("option");
    option.value = value;
    option.textContent = label || value;
    select.append(option);
  }

  function accept(row) {
    if (rows.has(row.id)) return;
    rows.set(row.id, row);
    if (rows.size > MAX_ROWS) {
      const oldest = rows.keys().next().value;
      rows.delete(oldest);
      expanded.delete(oldest);
    }
    addOption($("wiki"), row.wiki);
    addOption($("model"), row.model);
    if (state.paused) { status(); return; }
    if (matches(row)) {
      tbody.prepend(render(row));
      while (tbody.children.length > MAX_ROWS) tbody.lastChild.remove();
      $("empty").hidden = true;
    }
    status();
  }

  function presetHelp() {
    const lines = Object.entries(presets).map(([model, p]) =>
      model.replace("revertrisk-", "") + ": high precision ≥ " + fmt(p["high precision"]) +
      ", high recall ≥ " + fmt(p["high recall"]));
    $("preset-help").textContent = lines.join(" · ");
  }
  function fmt(t) { return t === null || t === undefined ? "none" : t.toFixed(3); }

  function choosePreset(name) {
    state.preset = name;
    document.querySelectorAll("[data-preset]").forEach((b) =>
      b.setAttribute("aria-pressed", String(b.dataset.preset === name)));
    if (!name) { state.threshold = 0; $("threshold").value = "0"; }
    else if (state.model && presets[state.model]) {
      const t = presets[state.model][name];
      if (t !== null && t !== undefined) $("threshold").value = t.toFixed(3);
    }
    redraw();
  }

  $("wiki").addEventListener("change", (e) => { state.wiki = e.target.value; redraw(); });
  $("model").addEventListener("change", (e) => { state.model = e.target.value; choosePreset(state.preset); });
  $("threshold").addEventListener("input", (e) => {
    const value = parseFloat(e.target.value);
    state.threshold = Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : 0;
    state.preset = "";
    document.querySelectorAll("[data-preset]").forEach((b) =>
      b.setAttribute("aria-pressed", String(b.dataset.preset === "")));
    redraw();
  });
  document.querySelectorAll("[data-preset]").forEach((b) =>
    b.addEventListener("click", () => choosePreset(b.dataset.preset)));
  $("pause").addEventListener("click", (e) => {
    state.paused = !state.paused;
    e.target.setAttribute("aria-pressed", String(state.paused));
    e.target.textContent = state.paused ? "Resume" : "Pause";
    if (!state.paused) redraw(); else status();
  });

  fetch("/patrol/presets").then((r) => r.json()).then((body) => {
    for (const [model, info] of Object.entries(body.models)) {
      presets[model] = {};
      for (const p of info.presets) presets[model][p.name] = p.threshold;
      addOption($("model"), model);
    }
    presetHelp();
  }).catch(() => { $("preset-help").textContent = "Presets unavailable."; });

  const source = new EventSource("/patrol/stream");
  source.addEventListener("open", () => status("Live"));
  source.addEventListener("error", () => status("Reconnecting…"));
  source.addEventListener("score", (e) => accept(JSON.parse(e.data)));
  redraw();
})();
