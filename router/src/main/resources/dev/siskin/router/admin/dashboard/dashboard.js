// Siskin's live dashboard: polls the admin endpoint's JSON while the tab is visible and draws it.
// Every value shown comes from /clusters, /canary, /config or /canary/disagreements as they answered; rates and
// the observed share are differences between two answers, kept in a ring of the last 10 minutes.
// Data is put into the page as text only (request features are whatever clients sent).
(function () {
  "use strict";
  const POLL_MS = 2000;
  const HISTORY = 300; // points: 10 minutes at 2 s
  const SHARE_WINDOW_MS = 60000;
  const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];

  // A token for router.admin-token-file, given as #token=... in the address (never sent to the server in the URL).
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  const headers = token ? { Authorization: "Bearer " + token } : {};

  const samples = []; // {t, calls: {backend: total}, weightShare: {...}, p50: {...}, p99: {...}, agreement}
  const charts = {};
  let backendNames = [];
  let timer = null;
  let stopped = false;

  const $ = (id) => document.getElementById(id);

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function row(cells) {
    const tr = document.createElement("tr");
    for (const c of cells) tr.appendChild(c instanceof Node ? c : el("td", c));
    return tr;
  }

  function fill(tbody, rows) {
    tbody.replaceChildren(...rows);
  }

  function fmt(x, digits) {
    if (x === null || x === undefined || Number.isNaN(x)) return "–";
    return Number(x).toFixed(digits === undefined ? 1 : digits);
  }

  function pct(x) {
    return x === null || x === undefined || Number.isNaN(x) ? "–" : (100 * x).toFixed(1) + " %";
  }

  async function getJson(path) {
    const r = await fetch(path, { headers: headers, cache: "no-store" });
    if (r.status === 404 || r.status === 403) return null; // an older router, or a part switched off
    if (!r.ok) throw new Error(path + " answered HTTP " + r.status);
    return r.json();
  }

  // ---- charts ----

  function chart(id, series, yRange) {
    const target = $(id);
    const opts = {
      width: Math.max(300, target.clientWidth || 300),
      height: 200,
      series: [{}].concat(series),
      axes: [{}, { size: 50 }],
      scales: { x: { time: true }, y: yRange ? { range: yRange } : { auto: true } },
      legend: { live: false },
    };
    const data = [[]].concat(series.map(() => []));
    return new uPlot(opts, data, target);
  }

  function backendSeries(suffix, dash) {
    return backendNames.map((name, i) => ({
      label: name + (suffix || ""),
      stroke: PALETTE[i % PALETTE.length],
      width: 1.5,
      dash: dash ? [6, 4] : undefined,
      spanGaps: true,
    }));
  }

  function rebuildCharts() {
    for (const key of Object.keys(charts)) {
      charts[key].destroy();
      delete charts[key];
    }
    charts.rate = chart("chart-rate", backendSeries(""));
    charts.share = chart("chart-share", backendSeries(" observed").concat(backendSeries(" weight", true)), [0, 100]);
    charts.latency = chart("chart-latency", backendSeries(" p50").concat(backendSeries(" p99", true)));
    charts.agreement = chart("chart-agreement", [
      { label: "agreement %", stroke: PALETTE[0], width: 1.5, spanGaps: true },
      { label: "lower 95", stroke: "#9aa5b8", dash: [4, 4], spanGaps: true },
      { label: "upper 95", stroke: "#9aa5b8", dash: [4, 4], spanGaps: true },
    ], [0, 100]);
  }

  // The calls of each backend between two samples about SHARE_WINDOW_MS apart: the observed split of the last minute.
  function windowDelta(now) {
    let from = null;
    for (const s of samples) {
      if (now.t - s.t <= SHARE_WINDOW_MS) { from = s; break; }
    }
    if (!from || from === now) return null;
    const d = {};
    let total = 0;
    for (const name of backendNames) {
      d[name] = Math.max(0, (now.calls[name] || 0) - (from.calls[name] || 0));
      total += d[name];
    }
    return { byBackend: d, total: total, seconds: (now.t - from.t) / 1000 };
  }

  function rateBetween(a, b, name) {
    if (!a || !b || b.t === a.t) return null;
    return Math.max(0, (b.calls[name] || 0) - (a.calls[name] || 0)) / ((b.t - a.t) / 1000);
  }

  function drawCharts() {
    const xs = samples.map((s) => s.t / 1000);
    const rate = [xs], shareObs = [], shareW = [], p50 = [], p99 = [];
    for (const name of backendNames) {
      rate.push(samples.map((s, i) => (i === 0 ? null : rateBetween(samples[i - 1], s, name))));
      shareObs.push(samples.map((s) => (s.observed && s.observed.total > 0 ? 100 * s.observed.byBackend[name] / s.observed.total : null)));
      shareW.push(samples.map((s) => (s.weightShare[name] === undefined ? null : 100 * s.weightShare[name])));
      p50.push(samples.map((s) => (s.p50[name] === undefined ? null : s.p50[name])));
      p99.push(samples.map((s) => (s.p99[name] === undefined ? null : s.p99[name])));
    }
    charts.rate.setData(rate);
    charts.share.setData([xs].concat(shareObs, shareW));
    charts.latency.setData([xs].concat(p50, p99));
    charts.agreement.setData([xs,
      samples.map((s) => (s.agreement ? 100 * s.agreement.rate : null)),
      samples.map((s) => (s.agreement ? 100 * s.agreement.lower : null)),
      samples.map((s) => (s.agreement ? 100 * s.agreement.upper : null))]);
  }

  // ---- sections ----

  function drawBackends(clusters, now) {
    const observed = now.observed;
    const rows = clusters.backends.map((b) => {
      const health = b.health || {};
      const state = clusters.panic ? "panic" : (health.state || "–");
      const lm = (b.latencyMs && b.latencyMs.lastMinute) || {};
      const prev = samples.length > 1 ? samples[samples.length - 2] : null;
      const codes = Object.entries(b.callsByStatus || {}).map(([k, v]) => k + " " + v).join(", ");
      const cells = [
        el("td", b.name),
        el("td", state + (health.reason ? " (" + health.reason + ")" : ""), state),
        el("td", b.weight + " (" + pct(b.share) + ")", "num"),
        el("td", observed && observed.total > 0 ? pct(observed.byBackend[b.name] / observed.total) : "–", "num"),
        el("td", fmt(rateBetween(prev, now, b.name)), "num"),
        el("td", b.inFlight, "num"),
        el("td", codes || "–"),
        el("td", [lm.p50, lm.p90, lm.p99].map((x) => fmt(x, 2)).join(" / "), "num"),
        el("td", health.ejectionsTotal === undefined ? "–" : health.ejectionsTotal, "num"),
      ];
      const tr = row(cells);
      tr.dataset.backend = b.name;
      return tr;
    });
    fill($("backends").tBodies[0], rows);
  }

  function drawRollout(canary) {
    const r = canary && canary.rollout;
    const summary = $("rollout-summary");
    if (!r || r.state === "disabled") {
      summary.textContent = "No automated rollout (stage.sh auto starts one).";
      $("gates").replaceChildren();
      fill($("history").tBodies[0], []);
      return;
    }
    const steps = (r.steps || []).map((s, i) => (i === r.step ? "[" + s + "]" : String(s))).join(" → ");
    summary.replaceChildren(
      el("span", r.state, r.state), el("span", " · step " + (r.step + 1) + " of " + (r.steps || []).length + ": " + steps),
      el("span", " · canary " + (r.canaryPercent === null || r.canaryPercent === undefined ? "–" : r.canaryPercent + " %")),
      el("span", r.timeInStepSeconds === undefined ? "" : " · " + fmt(r.timeInStepSeconds, 0) + " s in step of " + fmt(r.stepTimeSeconds, 0)),
      el("span", r.waiting ? " · waiting: " + r.waiting : "", "waiting"));
    const gates = (r.judge && r.judge.gates) || [];
    $("gates").replaceChildren(...gates.map((g) => {
      const box = el("div", null, "gate");
      box.dataset.gate = g.gate;
      box.appendChild(el("div", g.gate + ": " + g.verdict, "name " + g.verdict));
      // Evidence against the bar on a log scale: 1 is no evidence, the bar rolls the canary back.
      const frac = g.eValue && g.bar && g.bar > 1 ? Math.max(0, Math.min(1, Math.log(Math.max(g.eValue, 1)) / Math.log(g.bar))) : 0;
      const meter = el("div", null, "meter" + (frac >= 1 ? " over" : frac >= 0.5 ? " high" : ""));
      const bar = el("span");
      bar.style.width = (100 * frac).toFixed(1) + "%";
      meter.appendChild(bar);
      box.appendChild(meter);
      box.appendChild(el("div", "e-value " + fmt(g.eValue, 2) + " / bar " + fmt(g.bar, 0)
        + (g.upperBound !== null && g.upperBound !== undefined ? " · upper bound " + pct(g.upperBound) + " / limit " + pct(g.limit) : "")));
      if (g.reason) box.appendChild(el("div", g.reason, "reason"));
      return box;
    }));
    const history = (r.history || []).slice().reverse().slice(0, 20);
    fill($("history").tBodies[0], history.map((d) => row([d.at, el("td", d.kind, d.kind), d.fromStep + " → " + d.toStep, d.reason])));
  }

  function drawShadow(canary) {
    const s = canary && canary.shadow;
    if (!s || !s.enabled) {
      $("shadow-summary").textContent = "No shadow traffic (shadow.backend in canary.conf).";
    } else {
      const a = s.agreement || {};
      $("shadow-summary").textContent = "Shadow " + s.backend + ": " + s.compared + " compared, " + s.agreed
        + " agreed (" + pct(a.rate) + ", 95 % band " + pct(a.lower95) + " – " + pct(a.upper95) + "), "
        + s.inFlight + " in flight of " + s.maxInFlight;
    }
    const flips = (s && s.flips) || [];
    fill($("flips").tBodies[0], flips.filter((f) => f.count > 0).map((f) =>
      row([f.primary + " → " + f.shadow, el("td", f.count, "num")])));
    const classes = (canary && canary.classes && canary.classes.backends) || {};
    fill($("classes").tBodies[0], Object.entries(classes).map(([name, c]) =>
      row([name, Object.entries(c.byClass || {}).map(([k, v]) => k + " " + v).join(", ")])));
  }

  function drawDisagreements(d) {
    const list = (d && d.disagreements) || [];
    fill($("disagreements").tBodies[0], list.slice(0, 10).map((x) => row([
      x.at,
      Object.entries(x.features || {}).map(([k, v]) => k + "=" + v).join(" "),
      x.primary.prediction + " (" + fmt(x.primary.confidence, 2) + ", " + x.primary.modelVersion + ")",
      x.shadow.prediction + " (" + fmt(x.shadow.confidence, 2) + ", " + x.shadow.modelVersion + ")"])));
  }

  function drawConfig(config) {
    const p = $("config-summary");
    if (!config) { p.textContent = "–"; return; }
    const last = config.lastAttempt || {};
    p.replaceChildren(
      el("span", "generation " + config.generation + ", loaded " + config.loadedAt + " from " + config.source),
      el("span", last.ok === false ? " · last reload rejected at " + last.at + ": " + last.error : " · last reload ok at " + (last.at || "–"),
        last.ok === false ? "rejected" : "healthy"));
    p.dataset.generation = config.generation;
  }

  // ---- the loop ----

  async function poll() {
    timer = null;
    try {
      const [clusters, canary, config] = await Promise.all([getJson("/clusters"), getJson("/canary"), getJson("/config")]);
      const names = clusters.backends.map((b) => b.name);
      if (names.join() !== backendNames.join()) {
        backendNames = names;
        rebuildCharts();
      }
      const totalWeight = clusters.backends.reduce((sum, b) => sum + b.weight, 0);
      const now = { t: Date.now(), calls: {}, weightShare: {}, p50: {}, p99: {}, agreement: null };
      for (const b of clusters.backends) {
        now.calls[b.name] = b.callsTotal;
        now.weightShare[b.name] = totalWeight > 0 ? b.weight / totalWeight : 0;
        const lm = b.latencyMs && b.latencyMs.lastMinute;
        if (lm && lm.calls > 0) { now.p50[b.name] = lm.p50; now.p99[b.name] = lm.p99; }
      }
      const a = canary && canary.shadow && canary.shadow.agreement;
      if (a && a.rate !== undefined && a.rate !== null) now.agreement = { rate: a.rate, lower: a.lower95, upper: a.upper95 };
      samples.push(now);
      while (samples.length > HISTORY) samples.shift();
      now.observed = windowDelta(now);
      drawBackends(clusters, now);
      drawRollout(canary);
      drawShadow(canary);
      drawConfig(config);
      drawCharts();
      if (canary && canary.shadow && canary.shadow.enabled) drawDisagreements(await getJson("/canary/disagreements"));
      const status = $("status");
      status.textContent = "updated " + new Date(now.t).toLocaleTimeString();
      status.className = "status";
      document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
    } catch (e) {
      const status = $("status");
      status.textContent = "cannot read the admin endpoint: " + e.message + (token ? "" : " (a token? open with #token=…)");
      status.className = "status error";
    }
    schedule();
  }

  function schedule() {
    if (!stopped && timer === null && document.visibilityState === "visible") timer = setTimeout(poll, POLL_MS);
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      if (timer === null) poll();
    } else if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
  });
  window.addEventListener("resize", () => {
    for (const c of Object.values(charts)) {
      c.setSize({ width: Math.max(300, c.root.parentElement.clientWidth), height: 200 });
    }
  });
  window.addEventListener("pagehide", () => { stopped = true; });
  poll();
})();
