#!/usr/bin/env bash
# Memory of one registry replica: `onemcp registry serve` on the seeded SQLite catalogue
# (default model when present), then N searches over HTTP; prints the replica's resident
# set (VmRSS) after start and after the searches, and its peak (VmHWM), in MiB.
# Usage: replica_memory.sh <path to onemcp> [searches (default 2000)]
set -euo pipefail
onemcp=$1
searches=${2:-2000}
dir=$(mktemp -d)
pid=""
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
export XDG_DATA_HOME=$dir/data XDG_STATE_HOME=$dir/state
"$onemcp" registry ls --limit 1 >/dev/null 2>&1  # seeds the embedded catalogue
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$onemcp" registry serve --http "127.0.0.1:$port" --rate-limit 0 >"$dir/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do grep -q "serving http" "$dir/serve.log" && break; sleep 0.1; done
grep -q "serving http" "$dir/serve.log" || { cat "$dir/serve.log" >&2; exit 1; }
mib() { awk -v k="$1:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$pid/status"; }
echo "catalogue: $(grep -o "registry: [0-9]* servers, [0-9]* tools" "$dir/serve.log")"; grep -E "^(note|warning):" "$dir/serve.log" || echo "search: hybrid (default model)"
echo "after start: VmRSS $(mib VmRSS) MiB"
python3 - "http://127.0.0.1:$port" "$searches" <<'PY'
import json, sys, urllib.request
base, n = sys.argv[1], int(sys.argv[2])
queries = ["query a PostgreSQL database", "weather forecast", "send a slack message", "read files from disk"]
for i in range(n):
    body = json.dumps({"query": queries[i % len(queries)] + f" {i % 97}", "k": 10}).encode()
    req = urllib.request.Request(base + "/v0/search", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 200
PY
echo "after $searches searches: VmRSS $(mib VmRSS) MiB, peak VmHWM $(mib VmHWM) MiB"
