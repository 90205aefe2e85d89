// The demo's live part in the browser. Streamlit's component protocol (v1) brings it a frame of
// demo/session.py and the address of its own channel (demo/live.py) with each run of the app.
// Everything else goes through that channel: the page posts its events not yet acknowledged
// (a button, a click on the map) and gets the newest frame back, at once for an event and about
// every FRAME_MS while playing, so that a frame is never a rerun of the app. The component's value
// changes only to ask for a rerun when the points changed, so that the table of points shows them.
"use strict";

const COLORS = ["#e41a1c", "#4daf4a", "#377eb8"];  // classes 0, 1, 2
const RGB = [[228, 26, 28], [77, 175, 74], [55, 126, 184]];
const ROLE_FILL = { input: "#9ecae1", parameter: "#fdd49e", op: "#e5f5e0", output: "#fcbba1", loss: "#fb6a4a", constant: "#f0f0f0" };
const LO = -2.5, HI = 2.5;  // the plot's range on both axes (demo/points.py PLOT_RANGE)
const MAP = 480;  // css px
// While playing, a frame is asked for this long after the last was asked for: about 13 a second,
// above the goal of 10; each frame drawn costs the browser's renderer time that the server's
// training thread could use, on a machine where both share the cores.
const FRAME_MS = 75;
const EDITS = ["add", "move", "delete", "select"];

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const state = {
  frame: null, serial: 0, layout: null, points: [], example: null, cls: 0, pending: [], seq: 0,
  view: { s: 1, tx: 0, ty: 0 }, fitted: false, hover: null, pinned: null, drag: null, nodeEls: [], edgeEls: [],
  playing: false, log: [], api: null, polling: false, asking: false, channel: null, tableVersion: null, tableAsked: null,
};
window.demoLog = state.log;  // frames drawn: [{t, step, playing, ms to draw, rtt: ms of the request}], for the browser test's measurements
window.demoPresses = [];  // events sent: [{t, type}], so that the browser test times Pause from the press itself

// --- the component protocol and the live channel -------------------------------------------------

function post(type, data) {
  window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type }, data), "*");
}
function send(event) {
  state.seq = Math.max(state.seq + 1, Date.now());
  event.seq = state.seq;
  state.pending.push(event);
  if (window.demoPresses.length > 1000) window.demoPresses.splice(0, 500);
  window.demoPresses.push({ t: performance.now(), type: event.type });
  kick();
}
let lastHeight = 0;
function fitHeight() {
  const h = document.getElementById("app").scrollHeight + 6;
  if (h !== lastHeight) { lastHeight = h; post("streamlit:setFrameHeight", { height: h }); }
}
window.addEventListener("message", (msg) => {
  if (msg.data && msg.data.type === "streamlit:render") {
    const args = msg.data.args;
    if (args.api !== state.api) {  // a new demo (the server restarted, a new session): its frames count from 1
      state.api = args.api;
      state.serial = 0;
      state.pending = [];
    }
    if (args.frame) state.tableVersion = args.frame.points_version;  // the table as this run of the app drew it
    render(args.frame);
  }
});

let wake = null;  // ends the wait between two frames: an event goes at once
function kick() {
  if (wake) wake();
  else if (!state.polling) poll();
  else if (state.asking) ask().then((got) => { if (got.frame) render(got.frame); });  // not after the request in flight: beside it
}
function nap(ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { wake = null; resolve(); }, ms);
    wake = () => { clearTimeout(timer); wake = null; resolve(); };
  });
}

async function ask() {
  // One request of the channel: the events not yet acknowledged go, the newest frame comes back.
  const body = JSON.stringify({ events: state.pending, have: state.layout ? state.layout.key : null });
  let response, data;
  try {
    response = await fetch(state.api, { method: "POST", headers: { "Content-Type": "application/json" }, body, cache: "no-store" });
    data = await response.json();
  } catch (e) {  // no answer, or one that is not the channel's (streamlit run demo/app.py has no channel)
    return { problem: response
      ? "The live part's channel is missing: start the demo with `make demo` (streamlit run demo/server.py)."
      : "The demo's server does not answer: is `make demo` still running?", retry: !response };
  }
  if (!response.ok) return { problem: data.error || `The demo's server answered ${response.status}.`, retry: response.status >= 500 };
  return { frame: data };
}

async function poll() {
  if (state.polling || !state.api) return;
  state.polling = true;
  try {
    while (state.pending.length || state.playing) {
      const t0 = performance.now();
      state.asking = true;
      const got = await ask();
      state.asking = false;
      if (got.problem) {
        state.channel = { level: "error", text: got.problem };
        if (state.frame) showBanner(state.frame);
        if (!got.retry) { state.pending = []; state.playing = false; showPlaying(); break; }
        await nap(1000);
        continue;
      }
      state.channel = null;
      state.rtt = performance.now() - t0;
      render(got.frame);
      if (state.playing && !state.pending.length) await nap(Math.max(0, FRAME_MS - (performance.now() - t0)));
    }
  } finally {
    state.polling = false;
  }
}

// --- a frame arrives ----------------------------------------------------------------------------

function pendingOf(types) { return state.pending.some((e) => types.includes(e.type)); }

function render(frame) {
  if (!frame || frame.serial <= state.serial) return;  // an older frame than the one drawn (an app run's, late)
  const t0 = performance.now();
  state.serial = frame.serial;
  state.frame = frame;
  if (state.log.length > 2000) state.log.splice(0, 1000);
  state.pending = state.pending.filter((e) => e.seq > frame.ack);
  if (!pendingOf(EDITS) && !state.drag) {
    state.points = frame.points.map((p) => p.slice());
    state.example = frame.example;
    if (!frame.playing && frame.points_version !== state.tableVersion && frame.points_version !== state.tableAsked) {
      state.tableAsked = frame.points_version;  // a rerun of the app, once, so that the table shows the points
      post("streamlit:setComponentValue", { value: { table: frame.points_version }, dataType: "json" });
    }
  }
  if (!pendingOf(["play", "pause", "step", "reset"])) state.playing = frame.playing;
  $("stepn").textContent = String(frame.step);
  $("loss").textContent = frame.loss === null ? "–" : frame.loss;
  $("engine").textContent = "engine: " + frame.engine.split(" (")[0];
  $("engine").title = frame.engine;
  showPlaying();
  showBanner(frame);
  if (frame.layout && (!state.layout || state.layout.key !== frame.layout.key)) {
    buildGraph(frame.layout);  // once per architecture: the server sends it until the page says it has it
  } else if (frame.layout_key === null && state.layout) {
    clearGraph();
  }
  $("graphnote").textContent = frame.graph_note || "";
  if (state.layout && frame.values && frame.layout_key === state.layout.key) updateGraph(frame);
  drawMap();
  drawCurve(frame.losses);
  showWeights(frame.weights);
  fitHeight();
  state.log.push({ t: t0, step: frame.step, playing: frame.playing, ms: performance.now() - t0, rtt: state.rtt });
  state.rtt = null;
  if (state.playing && !state.polling) poll();
}

function showPlaying() {
  $("play").textContent = state.playing ? "Pause" : "Play";
  $("npts").textContent = String(state.points.length);
}

let bannerShown = null;
function showBanner(frame) {
  const box = $("banner");
  const items = state.channel ? [state.channel] : [];
  if (frame.banner) items.push(frame.banner);
  for (const m of frame.messages) items.push(m);
  const shown = JSON.stringify(items);
  if (shown === bannerShown) return;  // the same messages as drawn: no new elements, no new layout
  bannerShown = shown;
  box.textContent = "";
  for (const m of items) {
    const div = document.createElement("div");
    div.className = m.level;
    div.textContent = m.text;
    box.appendChild(div);
  }
}

// --- the buttons and keys -----------------------------------------------------------------------

$("step").addEventListener("click", () => { state.playing = false; showPlaying(); send({ type: "step" }); });
$("play").addEventListener("click", () => {
  state.playing = !state.playing;
  showPlaying();
  send({ type: state.playing ? "play" : "pause" });
});
$("reset").addEventListener("click", () => { state.playing = false; showPlaying(); send({ type: "reset" }); });
function chooseClass(c) {
  state.cls = c;
  document.querySelectorAll(".cls").forEach((b) => b.classList.toggle("on", Number(b.dataset.c) === c));
}
document.querySelectorAll(".cls").forEach((b) => {
  b.style.borderColor = COLORS[Number(b.dataset.c)];
  b.addEventListener("click", () => chooseClass(Number(b.dataset.c)));
});
chooseClass(0);
window.addEventListener("keydown", (e) => {
  if (["0", "1", "2"].includes(e.key)) chooseClass(Number(e.key));
});

// --- the graph ----------------------------------------------------------------------------------

function el(tag, attrs, parent) {
  const e = document.createElementNS(SVG, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}

function clearGraph() {
  state.layout = null;
  for (const id of ["groups", "edges", "nodes"]) $(id).textContent = "";
  state.nodeEls = []; state.edgeEls = [];
}

function buildGraph(layout) {
  clearGraph();
  state.layout = layout;
  const W = layout.node_w, H = layout.node_h;
  for (const g of layout.groups) {
    const grp = el("g", { class: "group" }, $("groups"));
    el("rect", { x: g.x, y: g.y, width: g.w, height: g.h, rx: 6 }, grp);
    el("text", { x: g.x + 6, y: g.y + 13 }, grp).textContent = g.title;
  }
  layout.nodes.forEach((n, i) => {
    for (const c of n.children) {
      const m = layout.nodes[c];
      let d;
      if (m.x === n.x) {  // a running sum, the next one below it in the same column
        d = `M${m.x + W / 2},${m.y + H} L${n.x + W / 2},${n.y}`;
      } else {
        const x1 = m.x + W, y1 = m.y + H / 2, x2 = n.x, y2 = n.y + H / 2, dx = Math.max(20, (x2 - x1) / 2);
        d = `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`;
      }
      const path = el("path", { class: "edge", d }, $("edges"));
      state.edgeEls.push({ from: c, to: i, path });
    }
  });
  layout.nodes.forEach((n, i) => {
    const g = el("g", { class: "node", transform: `translate(${n.x},${n.y})`, "data-node": n.label, "data-index": i }, $("nodes"));
    el("rect", { class: "box", width: W, height: H, rx: 4, fill: ROLE_FILL[n.role] || "#eee" }, g);
    const gbar = el("rect", { class: "gbar", x: 0.5, y: 27, width: W - 1, height: H - 27.5, rx: 3, fill: "transparent" }, g);
    const lab = el("text", { class: "lab", x: 4, y: 11 }, g);
    lab.textContent = n.label === n.op || !n.op ? n.label : `${n.label}  ${n.op}`;
    const d = el("text", { class: "d", x: 4, y: 23.5 }, g);
    const gr = el("text", { class: "g", x: 4, y: 37 }, g);
    el("text", { class: "cross", x: W - 13, y: 14 }, g).textContent = "✗";
    g.addEventListener("mouseenter", (e) => { state.hover = i; showTip(e); highlight(); });
    g.addEventListener("mousemove", (e) => showTip(e));
    g.addEventListener("mouseleave", () => { state.hover = null; $("tip").style.display = "none"; highlight(); });
    g.addEventListener("click", () => { state.pinned = state.pinned === i ? null : i; highlight(); showDetails(); });
    state.nodeEls.push({ g, gbar, d, gr });
  });
  $("legend").innerHTML = Object.entries({ input: "input", parameter: "parameter", op: "result of an op", output: "logit", loss: "loss" })
    .map(([r, t]) => `<span style="background:${ROLE_FILL[r]}">${t}</span>`).join("") +
    `<span style="background:rgba(33,102,172,.7);color:#fff">grad &gt; 0</span><span style="background:rgba(178,24,43,.7);color:#fff">grad &lt; 0</span>(darker: larger)`;
  if (!state.fitted) { fit(); state.fitted = true; }
}

function gradColor(g) {
  if (g === null || g === 0) return ["transparent", "#222"];
  const a = Math.min(1, Math.max(0.08, (Math.log10(Math.abs(g)) + 4) / 4));
  return [g > 0 ? `rgba(33,102,172,${a})` : `rgba(178,24,43,${a})`, a > 0.55 ? "#fff" : "#222"];
}

function updateGraph(frame) {
  const v = frame.values, wrong = new Set(frame.wrong);
  state.nodeEls.forEach((n, i) => {  // only what changed: each change costs the browser a redraw
    if (n.dText !== v.data[i]) { n.dText = v.data[i]; n.d.textContent = "data " + v.data[i]; }
    if (n.gText !== v.grad[i]) {
      n.gText = v.grad[i];
      n.gr.textContent = "grad " + v.grad[i];
      const [bg, fg] = gradColor(v.g[i]);
      n.gbar.setAttribute("fill", bg);
      n.gr.setAttribute("fill", fg);
    }
    if (n.g.classList.contains("wrong") !== wrong.has(i)) n.g.classList.toggle("wrong", wrong.has(i));
  });
  if (state.hover !== null) showTip();
  showDetails();
}

function pathToLoss(i) {
  const path = [i];
  while (state.layout.nodes[path[path.length - 1]].parent !== null) path.push(state.layout.nodes[path[path.length - 1]].parent);
  return path;
}

function describe(i) {
  const n = state.layout.nodes[i], v = state.frame.values;
  const group = state.layout.groups.find((g) => g.id === n.group);
  const lines = [
    `${n.label}   (${n.role}${n.op ? ", op " + n.op : ""}; ${group ? group.title : n.group})`,
    `data ${v.data[i]}`,
    `grad ${v.grad[i]}   (d loss / d ${n.label})`,
  ];
  if (state.frame.wrong.includes(i)) lines.push("✗ its local derivative differs from the reference's");
  if (n.children.length) lines.push("inputs: " + n.children.map((c) => `${state.layout.nodes[c].label} = ${v.data[c]}`).join(", "));
  lines.push("path to the loss: " + pathToLoss(i).map((k) => state.layout.nodes[k].label).join(" → "));
  return lines.join("\n");
}

function showTip(e) {
  if (state.hover === null || !state.frame || !state.frame.values) return;
  const tip = $("tip");
  tip.textContent = describe(state.hover);
  tip.style.display = "block";
  if (e) {
    const box = $("app").getBoundingClientRect();
    let x = e.clientX - box.left + 14, y = e.clientY - box.top + 14;
    if (x + tip.offsetWidth > box.width) x = Math.max(0, e.clientX - box.left - tip.offsetWidth - 10);
    tip.style.left = x + "px"; tip.style.top = y + "px";
  }
}

function showDetails() {
  const i = state.pinned !== null ? state.pinned : state.hover;
  if (i === null || !state.layout || !state.frame.values || i >= state.layout.nodes.length) return;
  $("details").textContent = describe(i);
}

function highlight() {
  const i = state.hover !== null ? state.hover : state.pinned;
  const on = new Set(i === null || !state.layout ? [] : pathToLoss(i));
  state.nodeEls.forEach((n, k) => n.g.classList.toggle("hot", on.has(k)));
  state.edgeEls.forEach((e) => e.path.classList.toggle("hot", on.has(e.from) && on.has(e.to) && state.layout.nodes[e.from].parent === e.to));
}

// zoom and pan
function applyView() {
  const v = state.view;
  $("viewport").setAttribute("transform", `translate(${v.tx},${v.ty}) scale(${v.s})`);
  $("graph").classList.toggle("far", v.s < 0.55);  // text too small to read: colours and group titles only
}
function fit() {
  if (!state.layout) return;
  const box = $("graph").getBoundingClientRect();
  const s = Math.min((box.width - 20) / state.layout.width, (box.height - 62) / state.layout.height);
  state.view = { s, tx: (box.width - state.layout.width * s) / 2, ty: 30 };  // below the buttons, above the legend
  applyView();
}
function zoomAt(factor, cx, cy) {
  const v = state.view, s = Math.min(4, Math.max(0.05, v.s * factor));
  v.tx = cx - (cx - v.tx) * (s / v.s); v.ty = cy - (cy - v.ty) * (s / v.s); v.s = s;
  applyView();
}
$("graph").addEventListener("wheel", (e) => {
  e.preventDefault();
  const r = $("graph").getBoundingClientRect();
  zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
}, { passive: false });
let pan = null;
$("graph").addEventListener("mousedown", (e) => {
  pan = { x: e.clientX, y: e.clientY, tx: state.view.tx, ty: state.view.ty };
  $("graph").classList.add("panning");
});
window.addEventListener("mousemove", (e) => {
  if (!pan) return;
  state.view.tx = pan.tx + e.clientX - pan.x; state.view.ty = pan.ty + e.clientY - pan.y;
  applyView();
});
window.addEventListener("mouseup", () => { pan = null; $("graph").classList.remove("panning"); });
$("zin").addEventListener("click", () => { const r = $("graph").getBoundingClientRect(); zoomAt(1.4, r.width / 2, r.height / 2); });
$("zout").addEventListener("click", () => { const r = $("graph").getBoundingClientRect(); zoomAt(1 / 1.4, r.width / 2, r.height / 2); });
$("zfit").addEventListener("click", fit);

// --- the map ------------------------------------------------------------------------------------

const map = $("map"), ctx = map.getContext("2d");
const dpr = window.devicePixelRatio || 1;
map.width = MAP * dpr; map.height = MAP * dpr;
const cells = document.createElement("canvas");
const toPx = (x, y) => [(x - LO) / (HI - LO) * MAP, (HI - y) / (HI - LO) * MAP];
const toData = (px, py) => [LO + px / MAP * (HI - LO), HI - py / MAP * (HI - LO)];

// The boundary: the model's class and confidence at each cell's centre, rows from the top of the
// plot down, computed here from the frame's weights; the same arithmetic as demo/frames.py
// (predict, encode_grid), which the browser test holds it to.
const LEVELS = 64;
let lastBoundary = null;
function boundaryOf(net, n) {
  if (!net) return null;
  const key = JSON.stringify(net) + n;
  if (lastBoundary && lastBoundary.key === key) return lastBoundary;
  const num = (v) => (v === null ? NaN : v);  // a weight that was not finite came as null
  const layers = net.map((l) => ({ w: Float64Array.from(l.w.flat(), num), b: Float64Array.from(l.b, num), nin: l.w[0] ? l.w[0].length : 0 }));
  const widest = Math.max(2, ...layers.map((l) => l.b.length));
  let h = new Float64Array(widest), out = new Float64Array(widest);
  const classes = new Uint8Array(n * n), levels = new Uint8Array(n * n), size = (HI - LO) / n;
  for (let r = 0; r < n; r++) {
    const y = LO + (n - 1 - r + 0.5) * size;
    for (let c = 0; c < n; c++) {
      h[0] = LO + (c + 0.5) * size; h[1] = y;
      let width = 2;
      for (let li = 0; li < layers.length; li++) {
        const l = layers[li], nout = l.b.length, last = li === layers.length - 1;
        for (let j = 0; j < nout; j++) {
          let z = 0;
          for (let k = 0; k < width; k++) z += l.w[j * l.nin + k] * h[k];
          z += l.b[j];
          out[j] = last ? z : Math.tanh(z);
        }
        [h, out] = [out, h];
        width = nout;
      }
      let top = -Infinity, k = 0;
      for (let j = 0; j < width; j++) if (h[j] > top) { top = h[j]; k = j; }
      let sum = 0, most = 0;
      for (let j = 0; j < width; j++) { const e = Math.exp(h[j] - top); sum += e; most = Math.max(most, e); }
      const p = most / sum, i = r * n + c, third = 1 / width;
      if (!Number.isFinite(p)) continue;  // weights that are not numbers: class 0, level 0 (blank)
      classes[i] = k;
      levels[i] = Math.min(LEVELS - 1, Math.max(0, Math.round((p - third) / (1 - third) * (LEVELS - 1))));
    }
  }
  lastBoundary = { key, n, classes, levels };
  return lastBoundary;
}
window.demoBoundary = () => {  // for the browser test: the cells as drawn, and the weights they come from
  const b = state.frame && boundaryOf(state.frame.net, state.frame.grid_n);
  return b && { n: b.n, classes: Array.from(b.classes), levels: Array.from(b.levels), net: state.frame.net };
};

function drawMap() {
  const f = state.frame;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, MAP, MAP);
  const b = f && boundaryOf(f.net, f.grid_n);
  if (b) {
    const n = b.n;
    if (b !== cells.drawn) {  // the weights changed: shade the cells anew
      if (cells.width !== n) { cells.width = n; cells.height = n; }
      const cctx = cells.getContext("2d"), img = cctx.createImageData(n, n);
      for (let i = 0; i < n * n; i++) {
        const c = b.classes[i], a = 0.12 + 0.45 * b.levels[i] / (LEVELS - 1);
        img.data[4 * i] = 255 + (RGB[c][0] - 255) * a;
        img.data[4 * i + 1] = 255 + (RGB[c][1] - 255) * a;
        img.data[4 * i + 2] = 255 + (RGB[c][2] - 255) * a;
        img.data[4 * i + 3] = 255;
      }
      cctx.putImageData(img, 0, 0);
      cells.drawn = b;
    }
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(cells, 0, 0, MAP, MAP);
  }
  ctx.strokeStyle = "rgba(0,0,0,.25)"; ctx.lineWidth = 1;
  const [ox, oy] = toPx(0, 0);
  ctx.beginPath(); ctx.moveTo(ox, 0); ctx.lineTo(ox, MAP); ctx.moveTo(0, oy); ctx.lineTo(MAP, oy); ctx.stroke();
  state.points.forEach((p, i) => {
    const [x, y] = toPx(p[0], p[1]);
    ctx.beginPath(); ctx.arc(x, y, 5, 0, 2 * Math.PI);
    ctx.fillStyle = COLORS[p[2]] || "#888"; ctx.fill();
    ctx.lineWidth = 1.2; ctx.strokeStyle = "#000"; ctx.stroke();
    if (i === state.example) {
      ctx.beginPath(); ctx.arc(x, y, 9, 0, 2 * Math.PI);
      ctx.lineWidth = 2; ctx.strokeStyle = "#000"; ctx.stroke();
    }
  });
  $("npts").textContent = String(state.points.length);
}

function mouseOnMap(e) {
  const r = map.getBoundingClientRect();
  return [(e.clientX - r.left) * MAP / r.width, (e.clientY - r.top) * MAP / r.height];
}
function hit(px, py) {
  let best = -1, bestD = 8 * 8;
  state.points.forEach((p, i) => {
    const [x, y] = toPx(p[0], p[1]), d = (x - px) ** 2 + (y - py) ** 2;
    if (d <= bestD) { best = i; bestD = d; }
  });
  return best;
}
const round = (v) => Math.round(v * 1000) / 1000;
map.addEventListener("mousedown", (e) => {
  e.preventDefault();
  window.focus();  // so that the keys 0, 1, 2 reach this page
  const [px, py] = mouseOnMap(e), i = hit(px, py);
  if (i >= 0 && e.shiftKey) {
    state.points.splice(i, 1);
    if (state.example !== null && (state.example > i || state.example === state.points.length)) state.example = Math.max(0, state.example - 1);
    send({ type: "delete", index: i });
  } else if (i >= 0) {
    state.drag = { index: i, x: px, y: py, moved: false };
  } else if (!e.shiftKey) {  // a shift-click that misses a point adds nothing: it meant to delete
    const [x, y] = toData(px, py);
    state.points.push([round(x), round(y), state.cls]);
    send({ type: "add", x: round(x), y: round(y), class: state.cls });
  }
  drawMap();
});
window.addEventListener("mousemove", (e) => {
  const d = state.drag;
  if (!d) return;
  const [px, py] = mouseOnMap(e);
  if (!d.moved && (px - d.x) ** 2 + (py - d.y) ** 2 < 9) return;
  d.moved = true;
  const [x, y] = toData(Math.min(MAP, Math.max(0, px)), Math.min(MAP, Math.max(0, py)));
  state.points[d.index][0] = round(x); state.points[d.index][1] = round(y);
  drawMap();
});
window.addEventListener("mouseup", () => {
  const d = state.drag;
  if (!d) return;
  state.drag = null;
  const p = state.points[d.index];
  state.example = d.index;
  send(d.moved ? { type: "move", index: d.index, x: p[0], y: p[1] } : { type: "select", index: d.index });
  drawMap();
});

// --- the loss curve and the weights -------------------------------------------------------------

const curve = $("curve"), cv = curve.getContext("2d");
function drawCurve(losses) {
  const w = curve.clientWidth, h = curve.clientHeight;
  if (curve.width !== w * dpr) { curve.width = w * dpr; curve.height = h * dpr; }
  cv.setTransform(dpr, 0, 0, dpr, 0, 0);
  cv.clearRect(0, 0, w, h);
  cv.fillStyle = "#666"; cv.font = "11px sans-serif";
  if (!losses.length) { cv.fillText("no step yet: press Step or Play", 10, h / 2); return; }
  const top = Math.max(...losses.map((p) => p[1])) * 1.05 || 1, last = losses[losses.length - 1][0];
  const X = (s) => 36 + (w - 46) * (last > 1 ? (s - 1) / (last - 1) : 0.5), Y = (l) => 8 + (h - 26) * (1 - l / top);
  cv.strokeStyle = "#ccc"; cv.beginPath(); cv.moveTo(36, 8); cv.lineTo(36, h - 18); cv.lineTo(w - 10, h - 18); cv.stroke();
  cv.fillText(top.toPrecision(3), 2, 14); cv.fillText("0", 24, h - 18); cv.fillText(`step ${last}`, w - 60, h - 4);
  cv.strokeStyle = "#e0484b"; cv.lineWidth = 1.5; cv.beginPath();
  losses.forEach(([s, l], k) => (k ? cv.lineTo(X(s), Y(l)) : cv.moveTo(X(s), Y(l))));
  cv.stroke();
  if (losses.length === 1) { cv.fillStyle = "#e0484b"; cv.beginPath(); cv.arc(X(losses[0][0]), Y(losses[0][1]), 3, 0, 7); cv.fill(); }
}

function showWeights(rows) {
  // One table per architecture; each frame only changes the cells' text.
  const box = $("weights"), shape = rows.map((r) => r.w.length).join(",");
  if (box.dataset.shape !== shape) {
    box.textContent = "";
    const table = document.createElement("table");
    for (const r of rows) {
      const tr = table.insertRow();
      for (let k = 0; k < r.w.length + 2; k++) tr.insertCell();
    }
    box.appendChild(table);
    box.dataset.shape = shape;
  }
  const cells = box.querySelectorAll("tr");
  rows.forEach((r, i) => {
    const td = cells[i].cells;
    td[0].textContent = r.name;
    r.w.forEach((w, k) => { td[k + 1].textContent = w; });
    td[r.w.length + 1].textContent = "b " + r.b;
  });
}

drawMap();
post("streamlit:componentReady", { apiVersion: 1 });
fitHeight();
