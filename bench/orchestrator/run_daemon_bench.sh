#!/usr/bin/env bash
# The orchestrator benchmark (bench/orchestrator/daemon_bench.mjs): task → tool callable
# through `onemcp stdio` against a bare `docker run -i` + handshake of the same container,
# the tool-schema tokens a session is sent against all installed tools, and the daemon's
# memory. Needs Docker and the npm tooling of scripts/setup.
#   bench/orchestrator/run_daemon_bench.sh BUILD_DIR [ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: run_daemon_bench.sh BUILD_DIR [ROUNDS]}
rounds=${2:-5}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
node "$root/bench/orchestrator/daemon_bench.mjs" "$root/tools/node/node_modules" \
  "$(cd "$build" && pwd)/apps/onemcp/onemcp" "$rounds" \
  "store entities and relations in a knowledge graph memory" read_graph \
  "think through a hard problem step by step with sequential thinking"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
