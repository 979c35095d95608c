// GET / on the metrics port: one self-contained HTML page (no external
// asset, no framework, a few KB) showing what `timenode status` shows and
// plots of the last ten minutes from the node's sample ring; it polls
// /status.json and redraws itself. An operator tunnels the port over SSH.
export const STATUS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>timenode</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1em;background:#fafafa;color:#222}
h1{font-size:1.2em;margin:0 0 .5em}table{border-collapse:collapse;margin:.5em 0}
td,th{padding:2px 8px;text-align:left;border-bottom:1px solid #ddd;font-variant-numeric:tabular-nums}
th{font-weight:600}.k{color:#666}code{font-size:12px}
#plots{display:flex;flex-wrap:wrap;gap:12px}.plot{background:#fff;border:1px solid #ddd;padding:4px 8px}
.plot b{font-weight:600;font-size:12px}svg{display:block}.err{color:#b00}
</style></head><body>
<h1>timenode <span id="agent"></span></h1>
<div id="error" class="err"></div>
<table>
<tr><td class="k">node</td><td><code id="node"></code> <span id="masternode"></span></td></tr>
<tr><td class="k">network</td><td><span id="network"></span> genesis <code id="genesis"></code></td></tr>
<tr><td class="k">chain</td><td>height <b id="height"></b> tip <code id="tip"></code> <span id="sync"></span></td></tr>
<tr><td class="k">finality</td><td>finalized <b id="finalized"></b> pool <span id="pool"></span> txs</td></tr>
<tr><td class="k">memory</td><td>rss <b id="rss"></b> MB of a <span id="budget"></span> MB budget</td></tr>
<tr><td class="k">drops</td><td><span id="dropped"></span> relays (send queue full), paced <span id="paced"></span></td></tr>
<tr><td class="k">hot paths</td><td id="backends"></td></tr>
</table>
<h2 style="font-size:1em">Peers (<span id="peer-count"></span>)</h2>
<table id="peers"><thead><tr><th>peer</th><th>key</th><th>direction</th><th>transport</th><th>link</th><th>state</th><th>RTT ms</th><th>height</th><th>queue</th><th>score</th></tr></thead><tbody></tbody></table>
<h2 style="font-size:1em">Last 10 minutes</h2>
<div id="plots"></div>
<h2 style="font-size:1em">Messages</h2>
<table><tr><td class="k">in</td><td id="msg-in"></td></tr><tr><td class="k">out</td><td id="msg-out"></td></tr></table>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const mb = (b) => (b / 1048576).toFixed(1);
const counts = (o) => Object.keys(o).sort().map((k) => k + " " + o[k]).join(", ") || "-";
const PLOTS = [
  ["tx/s", (s) => s.txPerSec], ["finalized/s", (s) => s.finalizedPerSec], ["peers", (s) => s.peers],
  ["RTT ms", (s) => s.rttMs], ["RSS MB (budget dashed)", (s) => s.rssBytes / 1048576, (s) => s.budgetBytes / 1048576],
];
function plot(title, samples, f, g) {
  // A node up for less than ten minutes spans its whole life, so the first minutes are readable too.
  const W = 260, H = 70, t1 = Date.now(), t0 = Math.max(t1 - 600000, samples.length ? samples[0].t : t1 - 600000), span = Math.max(1000, t1 - t0);
  const vals = samples.map(f).concat(g ? samples.map(g) : []).filter((v) => v !== null);
  const max = Math.max(1, ...vals);
  const xy = (s, v) => ((s.t - t0) / span * W).toFixed(1) + "," + (H - 2 - (v / max) * (H - 4)).toFixed(1);
  const line = (h, dash) => '<polyline fill="none" stroke="#36c" stroke-width="1.5"' + (dash ? ' stroke-dasharray="4 3"' : "") +
    ' points="' + samples.filter((s) => h(s) !== null).map((s) => xy(s, h(s))).join(" ") + '"/>';
  const last = samples.length ? f(samples[samples.length - 1]) : null;
  return '<div class="plot"><b>' + title + "</b> " + (last === null ? "-" : Math.round(last * 100) / 100) + " (max " + Math.round(max * 100) / 100 +
    ')<svg width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + " " + H + '">' + line(f, false) + (g ? line(g, true) : "") + "</svg></div>";
}
function show(d) {
  const s = d.status;
  $("agent").textContent = s.agent + " pid " + s.pid;
  $("node").textContent = s.node;
  $("masternode").textContent = s.masternode ? "(masternode)" : "";
  $("network").textContent = s.network;
  $("genesis").textContent = s.genesis;
  $("height").textContent = s.height;
  $("tip").textContent = s.tip.slice(0, 16);
  const lag = Math.max(0, s.syncTarget - s.height);
  $("sync").textContent = lag === 0 ? "in sync" : "syncing, " + lag + " behind";
  $("finalized").textContent = s.finalized;
  $("pool").textContent = s.txPool;
  $("rss").textContent = mb(s.rssBytes);
  $("budget").textContent = mb(s.budgetBytes);
  $("dropped").textContent = s.dropped.relay;
  $("paced").textContent = s.paced.times + " times, " + s.paced.ms + " ms";
  $("backends").textContent = s.backends.map((b) => b.path + " " + b.impl).join(", ");
  $("peer-count").textContent = s.peers.length;
  const body = $("peers").tBodies[0];
  body.textContent = "";
  for (const p of s.peers) {
    const row = body.insertRow();
    row.dataset.key = p.key;
    const q = p.queueCapacityBytes > 0 ? Math.round(100 * p.queuedBytes / p.queueCapacityBytes) + "%" : p.queuedBytes + " B";
    for (const v of [p.ip, p.key.slice(0, 16), p.direction, p.transport, p.encrypted ? "encrypted" : "plaintext", p.state,
      p.rttMs === undefined ? "-" : Math.round(p.rttMs), p.height, q, p.score]) row.insertCell().textContent = v;
  }
  $("plots").innerHTML = PLOTS.map(([t, f, g]) => plot(t, d.samples, f, g)).join("");
  $("msg-in").textContent = counts(s.messagesIn);
  $("msg-out").textContent = counts(s.messagesOut);
  document.body.dataset.updated = String(Date.now());
}
async function refresh() {
  try {
    const r = await fetch("status.json", { cache: "no-store" });
    if (!r.ok) throw new Error("HTTP " + r.status);
    show(await r.json());
    $("error").textContent = "";
  } catch (e) {
    $("error").textContent = "cannot reach the node: " + e.message;
  }
}
refresh();
setInterval(refresh, 5000);
</script></body></html>
`;
