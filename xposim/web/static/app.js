// xposim explorer: the page. It draws what /api/view/{step} returns and computes nothing
// of the model itself. State lives in the URL query string (?step=N&name=value...), so a
// copied URL restores the view. Test hooks: body[data-state] ("loading"/"ready"/"error"),
// body[data-seq] (count of rendered views), data-* attributes on the drawn cells.
"use strict";

const NS = "http://www.w3.org/2000/svg";
const state = { steps: [], step: 1, params: {}, view: null, seq: 0, rendered: 0, frame: 0,
                playing: false, timer: null };
const $ = (id) => document.getElementById(id);

function fmt(v) {
  if (typeof v !== "number") return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : String(+v.toPrecision(4));
}

function axisTitle(ax) { return ax.unit ? `${ax.label} (${ax.unit})` : ax.label; }

function readURL() {
  const q = new URLSearchParams(location.search);
  const n = Number(q.get("step"));
  state.step = state.steps.some((s) => s.number === n) ? n : 1;
  state.params = {};
  for (const [k, v] of q) if (k !== "step") state.params[k] = v;
}

function queryString() {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(state.params)) if (v !== "" && v != null) q.set(k, v);
  return q.toString();
}

function writeURL() {
  const qs = queryString();
  const url = `?step=${state.step}${qs ? "&" + qs : ""}`;
  history.replaceState(null, "", url);
  $("share-url").value = location.href;
  $("csv").href = `/api/view/${state.step}.csv${qs ? "?" + qs : ""}`;
}

function renderNav() {
  const nav = $("steps");
  nav.replaceChildren();
  for (const s of state.steps) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = `${s.number}. ${s.title}`;
    b.dataset.step = s.number;
    if (s.number === state.step) b.setAttribute("aria-current", "step");
    b.addEventListener("click", () => { state.step = s.number; state.params = {}; showStep(); });
    nav.appendChild(b);
  }
}

function fieldSchema(prop) {
  // pydantic writes Optional[float] as anyOf [number, null]
  if (prop.anyOf) {
    const inner = prop.anyOf.find((p) => p.type !== "null") || {};
    return { ...inner, ...prop, type: inner.type, nullable: true };
  }
  return prop;
}

function renderControls(step) {
  const form = $("controls");
  form.replaceChildren();
  const props = step.params.properties;
  for (const [name, raw] of Object.entries(props)) {
    const p = fieldSchema(raw);
    const label = document.createElement("label");
    label.htmlFor = `ctl-${name}`;
    label.textContent = p.label || name;
    if (p.unit) {
      const u = document.createElement("span");
      u.className = "unit";
      u.textContent = ` (${p.unit})`;
      label.appendChild(u);
    }
    let input;
    if (p.enum) {
      input = document.createElement("select");
      for (const opt of p.enum) {
        const o = document.createElement("option");
        o.value = o.textContent = opt;
        input.appendChild(o);
      }
    } else {
      input = document.createElement("input");
      input.type = "number";
      if (p.minimum != null) input.min = p.minimum;
      if (p.exclusiveMinimum != null) input.min = p.exclusiveMinimum;
      if (p.maximum != null) input.max = p.maximum;
      input.step = p.step || (p.type === "integer" ? 1 : "any");
    }
    input.id = `ctl-${name}`;
    input.name = name;
    input.title = p.description || "";
    const value = state.params[name];
    if (value != null) input.value = value;
    else if (p.default != null) input.value = p.default;
    else input.placeholder = "preset / label value";
    input.addEventListener("change", () => {
      state.params[name] = input.value;
      writeURL();
      update();
    });
    form.append(label, input);
  }
}

function showStep() {
  const step = state.steps.find((s) => s.number === state.step);
  renderNav();
  $("step-title").textContent = `${step.number}. ${step.title}`;
  $("step-intro").textContent = step.intro;
  renderControls(step);
  writeURL();
  update();
}

async function update() {
  const seq = ++state.seq;
  const started = performance.now();
  document.body.dataset.state = "loading";
  const qs = queryString();
  let response, body;
  try {
    response = await fetch(`/api/view/${state.step}${qs ? "?" + qs : ""}`);
    body = await response.json();
  } catch (err) {
    body = { error: `the server did not answer: ${err}` };
  }
  if (seq !== state.seq) return; // a newer request superseded this one
  document.body.dataset.fetchMs = (performance.now() - started).toFixed(1);
  const error = $("error");
  if (!response || !response.ok) {
    error.hidden = false;
    error.textContent = body.error || `request failed (${response && response.status})`;
    for (const el of $("controls").elements) {
      const bad = (body.errors || []).some((m) => m.startsWith(`${el.name}:`));
      el.setAttribute("aria-invalid", bad ? "true" : "false");
    }
    document.body.dataset.state = "error";
    return;
  }
  error.hidden = true;
  for (const el of $("controls").elements) el.setAttribute("aria-invalid", "false");
  state.view = body;
  render(body);
  // request sent -> plots and cells drawn (ms); read by benchmarks/bench_explorer.py
  document.body.dataset.updateMs = (performance.now() - started).toFixed(1);
  state.rendered += 1;
  document.body.dataset.seq = String(state.rendered);
  document.body.dataset.state = "ready";
}

function render(view) {
  renderPlots(view.panels);
  renderCells(view.cells);
  renderSummary(view);
}

const DASH = { solid: "solid", dash: "dash", dot: "dot", dashdot: "dashdot" };
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22", "#17becf"];

function plotTraces(panel) {
  return panel.series.map((s) => {
    if (s.mode === "bar") return { type: "bar", name: s.name, x: s.x, y: s.y, meta: s.variable };
    return { type: "scatter", mode: s.mode === "markers" ? "markers" : "lines", name: s.name,
             x: s.x, y: s.y, meta: s.variable,
             line: { dash: DASH[s.dash] || "solid", width: 2,
                     ...(s.group != null ? { color: PALETTE[s.group % PALETTE.length] } : {}) },
             hovertemplate: `%{meta}<br>%{x:.4g} ${panel.x.unit}: %{y:.4g} ${panel.y.unit}<extra>%{fullData.name}</extra>` };
  });
}

function plotLayout(panel) {
  const shapes = panel.refs.map((r) => ({ type: "line", xref: "paper", x0: 0, x1: 1, y0: r.y, y1: r.y,
                                          line: { dash: "dot", width: 1, color: "#a61b1b" } }));
  const annotations = panel.refs.map((r) => ({ xref: "paper", x: 1, y: r.y, xanchor: "right",
                                               yanchor: "bottom", showarrow: false, text: r.label,
                                               font: { size: 10, color: "#a61b1b" } }));
  return { title: { text: panel.title, font: { size: 13 } }, margin: { l: 60, r: 12, t: 36, b: 40 },
           xaxis: { title: { text: axisTitle(panel.x) } }, yaxis: { title: { text: axisTitle(panel.y) }, rangemode: "tozero" },
           barmode: "group", legend: { orientation: "h", y: -0.3, yanchor: "top", font: { size: 10 } },
           shapes, annotations };
}

function renderPlots(panels) {
  const root = $("plots");
  const wanted = new Set(panels.map((p) => `plot-${p.id}`));
  for (const card of [...root.children]) if (!wanted.has(card.dataset.plot)) { Plotly.purge(card.querySelector(".plot")); card.remove(); }
  const divs = panels.map((panel, i) => {
    const id = `plot-${panel.id}`;
    let card = root.querySelector(`[data-plot="${id}"]`);
    if (!card) {
      card = document.createElement("div");
      card.className = "plot-card";
      card.dataset.plot = id;
      const png = document.createElement("button");
      png.type = "button";
      png.className = "png";
      png.textContent = "PNG";
      png.title = "download this figure as PNG";
      const div = document.createElement("div");
      div.className = "plot";
      div.id = id;
      png.addEventListener("click", () => Plotly.downloadImage(div, { format: "png", width: 900, height: 500,
                                                                       filename: `xposim-step${state.step}-${panel.id}` }));
      const bar = document.createElement("div");
      bar.className = "bar";
      bar.appendChild(png);
      card.append(bar, div);
    }
    if (root.children[i] !== card) root.insertBefore(card, root.children[i] || null);
    return card.querySelector(".plot");
  });
  // one layout read for all plots: each Plotly.react would otherwise measure its
  // container and force the browser to lay the page out again
  const width = divs.length ? divs[0].clientWidth : 0;
  state.plotWidth = width;
  panels.forEach((panel, i) => {
    const div = divs[i];
    div.dataset.title = panel.title;
    Plotly.react(div, plotTraces(panel), { ...plotLayout(panel), width, height: 340, autosize: false },
                 { displaylogo: false,
                   toImageButtonOptions: { format: "png", filename: `xposim-step${state.step}-${panel.id}` } });
  });
}

// ------------------------------------------------------------------ the drawn cells
const CELL = { w: 150, h: 120, rx: 66, ry: 50, r: 25, top: 46, left: 120 };

function colour(t) {
  // white -> deep blue (sequential); t in [0, 1]
  const lo = [247, 251, 255], hi = [8, 48, 107];
  const c = lo.map((v, i) => Math.round(v + (hi[i] - v) * Math.max(0, Math.min(1, t))));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function svg(tag, attrs, parent) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (parent) parent.appendChild(el);
  return el;
}

function renderCells(cells) {
  stop();
  const area = $("cell-area"), missing = $("cell-missing"), root = $("cell");
  if (!cells) { area.hidden = true; missing.hidden = false; root.replaceChildren(); return; }
  area.hidden = false; missing.hidden = true;
  root.replaceChildren();
  const nC = cells.cargoes.length, nR = cells.rows.length;
  const width = CELL.left + nC * CELL.w + 10, height = CELL.top + nR * CELL.h + 34;
  root.setAttribute("viewBox", `0 0 ${width} ${height}`);
  // per-cargo scale: 0 .. the largest concentration of that cargo anywhere, any time
  const max = {};
  for (const c of cells.cargoes) {
    let m = 0;
    for (const row of cells.rows) for (const side of ["nucleus", "cytoplasm"]) for (const v of row[side][c]) m = Math.max(m, v);
    max[c] = m || 1;
  }
  cells.cargoes.forEach((c, j) => {
    const x = CELL.left + j * CELL.w + CELL.w / 2;
    svg("text", { x, y: 16, "text-anchor": "middle", "font-weight": "600" }, root).textContent = c;
    const lg = svg("text", { x, y: 32, "text-anchor": "middle", "font-size": "10", fill: "#5b6675",
                             "data-legend": c }, root);
    lg.textContent = `0 – ${fmt(max[c])} ${cells.unit}`;
  });
  cells.rows.forEach((row, i) => {
    const y = CELL.top + i * CELL.h + CELL.h / 2;
    const t = svg("text", { x: 6, y: y + 4, "font-size": "12", "font-weight": "600" }, root);
    t.textContent = row.label;
    cells.cargoes.forEach((c, j) => {
      const x = CELL.left + j * CELL.w + CELL.w / 2;
      const g = svg("g", { "data-row": i, "data-cargo": c }, root);
      svg("ellipse", { cx: x, cy: y, rx: CELL.rx, ry: CELL.ry, stroke: "#6b7785", "stroke-width": 1.5,
                       "data-compartment": "cytoplasm", "data-cargo": c, "data-row": i, "data-unit": cells.unit,
                       class: "compartment" }, g);
      svg("circle", { cx: x, cy: y, r: CELL.r, stroke: "#33404d", "stroke-width": 2,
                      "data-compartment": "nucleus", "data-cargo": c, "data-row": i, "data-unit": cells.unit,
                      class: "compartment" }, g);
      for (let k = 0; k < 8; k++) { // nuclear pores: fade as XPO1 is occupied
        const a = (Math.PI / 4) * k;
        svg("circle", { cx: x + CELL.r * Math.cos(a), cy: y + CELL.r * Math.sin(a), r: 3, fill: "#e08a00",
                        class: "pore", "data-row": i }, g);
      }
    });
  });
  // colour legend
  const ly = height - 18;
  svg("text", { x: 6, y: ly + 9, "font-size": "10", fill: "#5b6675" }, root).textContent = "concentration";
  for (let k = 0; k <= 10; k++) svg("rect", { x: CELL.left + k * 14, y: ly, width: 14, height: 10, fill: colour(k / 10) }, root);
  svg("text", { x: CELL.left + 160, y: ly + 9, "font-size": "10", fill: "#5b6675" }, root)
    .textContent = "0 → column maximum; orange pores: free XPO1 (fade with occupancy)";
  const slider = $("frame");
  slider.max = cells.time_h.length - 1;
  state.max = max;
  setFrame(cells.time_h.length - 1);
  if (!state.autoplayed) { state.autoplayed = true; play(); }
}

function setFrame(i) {
  const cells = state.view && state.view.cells;
  if (!cells) return;
  i = Math.max(0, Math.min(cells.time_h.length - 1, Number(i)));
  state.frame = i;
  $("frame").value = i;
  $("frame-time").textContent = `t = ${fmt(cells.time_h[i])} h`;
  $("cell").dataset.frame = i;
  $("cell").dataset.time = cells.time_h[i];
  for (const el of $("cell").querySelectorAll(".compartment")) {
    const row = cells.rows[Number(el.dataset.row)];
    const v = row[el.dataset.compartment][el.dataset.cargo][i];
    el.setAttribute("fill", colour(v / state.max[el.dataset.cargo]));
    el.dataset.value = v;
  }
  for (const el of $("cell").querySelectorAll(".pore")) {
    const occ = cells.rows[Number(el.dataset.row)].occupancy[i];
    el.setAttribute("opacity", (1 - occ).toFixed(3));
  }
}

function stop() { state.playing = false; if (state.timer) clearInterval(state.timer); state.timer = null; $("play").textContent = "▶"; }

function play() {
  const cells = state.view && state.view.cells;
  if (!cells) return;
  stop();
  state.playing = true;
  $("play").textContent = "❚❚";
  let i = state.frame >= cells.time_h.length - 1 ? 0 : state.frame;
  state.timer = setInterval(() => {
    setFrame(i);
    i += 2;
    if (i >= cells.time_h.length) { setFrame(cells.time_h.length - 1); stop(); }
  }, 30);
}

function renderSummary(view) {
  const tbody = $("summary").querySelector("tbody");
  tbody.replaceChildren();
  for (const r of view.summary) {
    const tr = document.createElement("tr");
    for (const [k, v] of [["cell", r.cell], ["quantity", r.quantity], ["value", fmt(r.value)], ["unit", r.unit]]) {
      const td = document.createElement("td");
      td.textContent = v;
      if (k === "value") { td.className = "num"; td.dataset.value = r.value; }
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
  }
  const notes = $("notes");
  notes.replaceChildren();
  for (const n of view.notes || []) {
    const li = document.createElement("li");
    li.textContent = n;
    notes.appendChild(li);
  }
  const reg = $("regimen");
  reg.hidden = !view.regimen;
  reg.textContent = view.regimen ? `regimen: ${view.regimen}` : "";
}

async function init() {
  $("controls").addEventListener("submit", (e) => e.preventDefault());
  $("play").addEventListener("click", () => (state.playing ? stop() : play()));
  $("frame").addEventListener("input", (e) => { stop(); setFrame(e.target.value); });
  $("share").addEventListener("click", async () => {
    $("share-url").select();
    try { await navigator.clipboard.writeText(location.href); } catch (_) { /* selected for manual copy */ }
  });
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      const first = document.querySelector("#plots .plot");
      if (state.view && first && first.clientWidth !== state.plotWidth) renderPlots(state.view.panels);
    }, 150);
  });
  const [meta, health] = await Promise.all([fetch("/api/steps").then((r) => r.json()),
                                            fetch("/api/health").then((r) => r.json())]);
  state.steps = meta.steps;
  $("version").textContent = health.version;
  readURL();
  showStep();
}

window.addEventListener("DOMContentLoaded", init);
window.explorer = { state, setFrame, play, stop };
