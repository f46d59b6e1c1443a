#!/usr/bin/env bash
# `onemcp registry serve|search` end to end: embedded search on a fresh (seeded) SQLite
# file, the same search against a served registry on a free port, and an unreachable
# registry giving a clear error within the timeout.
# Usage: cli_test.sh <path to onemcp>
set -euo pipefail
onemcp=$1
dir=$(mktemp -d)
serve_pid=""
silent_pid=""
cleanup() {
  for pid in $serve_pid $silent_pid; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
export XDG_DATA_HOME=$dir/data XDG_STATE_HOME=$dir/state
fail() { echo "FAIL: $*" >&2; exit 1; }
# Server ids of a search answer, one line.
ids() { python3 -c 'import json,sys; print(" ".join(s["id"] for s in json.load(sys.stdin)["servers"]))'; }

# Embedded, no --db: the XDG data dir's SQLite, seeded on first use.
out=$("$onemcp" registry search "query a PostgreSQL database" -k 3 --json)
[[ $(ids <<<"$out" | wc -w) == 3 ]] || fail "embedded search: $out"
[[ -f $dir/data/onemcp/registry.db ]] || fail "no registry.db under XDG_DATA_HOME"
text=$("$onemcp" registry search "weather forecast" -k 2)
grep -q '^1\. ' <<<"$text" || fail "text output: $text"

# Served on a free port, asked with --url.
coproc SERVE { exec "$onemcp" registry serve --http 127.0.0.1:0 2>&1; }  # exec: the pid is the server
serve_pid=$SERVE_PID
url=""
while IFS= read -r -t 60 line <&"${SERVE[0]}"; do
  if [[ $line =~ serving\ (http://127\.0\.0\.1:[0-9]+)/ ]]; then url=${BASH_REMATCH[1]}; break; fi
done
[[ -n "$url" ]] || fail "serve did not report its address"
remote=$("$onemcp" registry search "query a PostgreSQL database" -k 3 --json --url "$url")
[[ $(ids <<<"$remote") == $(ids <<<"$out") ]] ||
  fail "remote and embedded answers differ: $remote"

# Unreachable: refused at once, and a silent listener cut off by the timeout.
start=$(date +%s)
if err=$("$onemcp" registry search "x" --url http://127.0.0.1:1 --timeout-ms 2000 2>&1); then
  fail "search against a closed port succeeded"
fi
grep -q "cannot reach the registry at http://127.0.0.1:1" <<<"$err" || fail "unclear error: $err"
# A listener that accepts connections and never answers (it lives until cleanup).
exec {silent}< <(exec python3 -c 'import signal,socket
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(8); print(s.getsockname()[1], flush=True); signal.pause()')
silent_pid=$!
read -r silent_port <&"$silent"
if err=$("$onemcp" registry search "x" --url "http://127.0.0.1:$silent_port" --timeout-ms 1500 2>&1); then
  fail "search against a silent listener succeeded"
fi
grep -q "cannot reach the registry" <<<"$err" || fail "unclear timeout error: $err"
(( $(date +%s) - start <= 10 )) || fail "the unreachable cases took longer than 10 s"
echo "registry cli test: ok"
