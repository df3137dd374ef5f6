// The observed-quality panel of the patrol page, kept apart from patrol.js: for each model it
// reads GET /v1/models/<name>/quality (for the wiki chosen in the filters, if any) and shows,
// per version, the decided edits, the AUC and the precision and recall at each caution level,
// every figure with its count and 95% interval, and the reliability plot the service draws.
// A deployment without outcome tracking answers 404 and the panel says so.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const pct = (v) => (v === null || v === undefined ? "–" : (100 * v).toFixed(1) + "%");
  const num = (v) => (v === null || v === undefined ? "–" : v.toFixed(3));

  function figure(f, format) {
    if (f.value === null) return "– (n=" + f.n + ")";
    return format(f.value) + " [" + format(f.ci_low) + "–" + format(f.ci_high) + "] (n=" + f.n + ")";
  }

  function cell(tr, text, header) {
    const td = document.createElement(header ? "th" : "td");
    if (header) td.scope = "row";
    td.textContent = text;
    tr.append(td);
  }

  function versionTable(name, version) {
    const table = document.createElement("table");
    const caption = document.createElement("caption");
    caption.textContent = name + " version " + version.version + (version.serving ? " (serving)" : "") +
      ": " + version.decided + " decided edits, " + version.reverted + " reverted; AUC " +
      figure(version.auc, num);
    table.append(caption);
    const head = document.createElement("tr");
    for (const title of ["Caution level", "Threshold", "Precision", "Recall"]) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = title;
      head.append(th);
    }
    table.append(head);
    for (const row of version.caution_levels) {
      const at = row.at_evaluation_threshold;
      const tr = document.createElement("tr");
      cell(tr, row.level + " (≥ " + pct(row.min_precision) + ")", true);
      cell(tr, at.threshold === null ? "none from the evaluation" : num(at.threshold));
      cell(tr, figure(at.precision, pct));
      cell(tr, figure(at.recall, pct));
      table.append(tr);
    }
    return table;
  }

  async function show() {
    const panel = $("quality-body");
    const wiki = $("wiki").value;
    const query = wiki ? "?wiki=" + encodeURIComponent(wiki) : "";
    let models;
    try {
      models = Object.keys((await (await fetch("/patrol/presets")).json()).models);
    } catch (error) {
      return;
    }
    const parts = [];
    for (const name of models) {
      const answer = await fetch("/v1/models/" + encodeURIComponent(name) + "/quality" + query);
      const body = await answer.json();
      if (!answer.ok) {
        const p = document.createElement("p");
        p.className = "help";
        p.textContent = name + ": " + body.error;
        parts.push(p);
        continue;
      }
      for (const version of body.versions) parts.push(versionTable(name, version));
      const img = document.createElement("img");
      img.src = "/v1/models/" + encodeURIComponent(name) + "/quality/reliability.svg" + query;
      img.alt = "Reliability plot of " + name + ": observed revert rate against mean score per score bucket, per version";
      img.width = 360;
      parts.push(img);
    }
    panel.replaceChildren(...parts);
  }

  $("wiki").addEventListener("change", show);
  $("quality-refresh").addEventListener("click", show);
  show();
})();
