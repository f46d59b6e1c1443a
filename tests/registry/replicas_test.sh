#!/usr/bin/env bash
# The replicated deployment on loopback, all real: one PostgreSQL (scripts/pg-test-server),
# three `registry serve` replicas behind nginx, two `registry worker` verify workers.
#  - a 30-second search load through nginx, one replica killed (SIGKILL) after 10 s:
#    0 failed searches;
#  - the workers verify the fixture servers (local processes, --local); a worker killed
#    mid-job leaves its job to the other once the (2 s) lease expires; and from the
#    store: no two verifications of one server ever overlap in time.
# Usage: replicas_test.sh <path to onemcp> <source dir>
set -euo pipefail
onemcp=$1
src=$2
dir=$(mktemp -d)
chmod 755 "$dir"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -f $dir/nginx.pid ]] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true
  "$src/scripts/pg-test-server" stop "$dir/pg" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$dir"/*.log; do echo "--- $f" >&2; tail -20 "$f" >&2; done
  exit 1
}
export XDG_DATA_HOME=$dir/data XDG_STATE_HOME=$dir/state
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
psql_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/psql

"$src/scripts/pg-test-server" start "$dir/pg" $$ >/dev/null
db=$("$src/scripts/pg-test-server" createdb "$dir/pg" registry)
sql() { "$psql_bin" "$db" -At -c "$1"; }

# The seed catalogue, once (the replicas then open the migrated, seeded database).
"$onemcp" registry ls --db "$db" --limit 1 >/dev/null 2>"$dir/seed.log" || fail "seeding"

# Three replicas on free ports.
upstreams=""
replica_pids=()
for i in 1 2 3; do
  port=$(free_port)
  "$onemcp" registry serve --db "$db" --no-seed --http "127.0.0.1:$port" --rate-limit 0 \
    --refresh-ms 500 >"$dir/replica$i.log" 2>&1 &
  pids+=($!)
  replica_pids+=($!)
  upstreams+="    server 127.0.0.1:$port max_fails=1 fail_timeout=60s;"$'\n'
done
for i in 1 2 3; do
  for _ in $(seq 1 600); do
    grep -q "serving http" "$dir/replica$i.log" && break
    kill -0 "${replica_pids[$((i - 1))]}" 2>/dev/null || fail "replica $i exited"
    sleep 0.1
  done
  grep -q "serving http" "$dir/replica$i.log" || fail "replica $i did not start"
done

# nginx in front: a refused connection or a reset is retried on the next replica, also
# for POST (a search changes nothing, so retrying it is safe).
nginx_port=$(free_port)
cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
daemon on;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $dir/nginx-body;
  proxy_temp_path $dir/nginx-proxy;
  fastcgi_temp_path $dir/nginx-fastcgi;
  uwsgi_temp_path $dir/nginx-uwsgi;
  scgi_temp_path $dir/nginx-scgi;
  upstream registry {
$upstreams    keepalive 16;
  }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://registry;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_connect_timeout 2s;
      proxy_read_timeout 10s;
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 3;
    }
  }
}
EOF
# Debian puts nginx in /usr/sbin, which a non-root PATH may lack; -e: the error log before
# the config is read (the default one is root's).
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
"$nginx_bin" -e "$dir/nginx-error.log" -p "$dir" -c "$dir/nginx.conf" 2>"$dir/nginx-start.log" ||
  fail "nginx did not start"
healthy() {
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "http://127.0.0.1:$nginx_port/healthz" 2>/dev/null
}
for _ in $(seq 1 50); do
  healthy && break
  sleep 0.1
done
healthy || fail "nginx does not answer"

# Work for the verify workers: a server that never answers (its verification runs until
# the 6 s budget ends) queued first, then eight that verify in well under a second.
"$onemcp" registry crawl --db "$db" --no-seed --no-verify --offline \
  --source "folder:$src/tests/fixtures/servers/broken-silent" 2>"$dir/crawl1.log" || fail "crawl"
others=(node-bin node-main node-engines node-start-script node-monorepo python-script python-module broken-crash)
args=()
for s in "${others[@]}"; do args+=(--source "folder:$src/tests/fixtures/servers/$s"); done
"$onemcp" registry crawl --db "$db" --no-seed --no-verify --offline "${args[@]}" 2>"$dir/crawl2.log" || fail "crawl"
silent_id="folder:$src/tests/fixtures/servers/broken-silent"
[[ $(sql "SELECT count(*) FROM crawl_jobs WHERE kind='verify' AND state='queued'") == 9 ]] ||
  fail "expected 9 queued verify jobs: $(sql "SELECT target, state FROM crawl_jobs WHERE kind='verify'")"

worker() {  # worker NAME
  "$onemcp" registry worker --db "$db" --no-seed --offline --local --verify-only --id "$1" \
    --lease-ms 2000 --poll-ms 100 --timeout 6 >"$dir/$1.log" 2>&1 &
  pids+=($!)
  last_pid=$!
}

# The search load: 30 s through nginx, 4 clients; a replica is killed at 10 s.
python3 - "http://127.0.0.1:$nginx_port" >"$dir/load.out" 2>"$dir/load.log" <<'EOF' &
import json, sys, threading, time, urllib.request
base = sys.argv[1]
queries = ["query a PostgreSQL database", "weather forecast", "send a slack message",
           "read files from disk", "search the web", "create a github issue"]
ok = 0; failed = 0; errors = []; lock = threading.Lock()
end = time.time() + 30
def client(n):
    global ok, failed
    i = n
    while time.time() < end:
        body = json.dumps({"query": queries[i % len(queries)], "k": 5}).encode()
        i += 1
        req = urllib.request.Request(base + "/v0/search", data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                answer = json.load(r)
                good = r.status == 200 and len(answer["servers"]) > 0
        except Exception as e:  # noqa: BLE001 - every failure counts
            good = False
            with lock: errors.append(repr(e))
        with lock:
            if good: ok += 1
            else: failed += 1
threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print(ok, failed)
print("\n".join(errors[:5]), file=sys.stderr)
EOF
load_pid=$!
pids+=($load_pid)

# Worker A takes the silent server's job first; it is killed while verifying it.
worker wA
a_pid=$last_pid
for _ in $(seq 1 100); do
  [[ $(sql "SELECT lease_owner FROM crawl_jobs WHERE kind='verify' AND target='$silent_id'") == wA ]] && break
  sleep 0.1
done
[[ $(sql "SELECT lease_owner FROM crawl_jobs WHERE kind='verify' AND target='$silent_id'") == wA ]] ||
  fail "worker A did not take the first job"
worker wB
sleep 1
a_children=$(pgrep -P "$a_pid" || true)
kill -9 "$a_pid"
for c in $a_children; do kill -9 "$c" 2>/dev/null || true; done
killed_at=$(date +%s%3N)
worker wA2  # a second worker again, so two share the remaining jobs

# Re-queue the finished quick jobs a few times, so that the two workers verify the same
# servers again and again: the overlap check below then has something to catch.
for round in 1 2 3 4; do
  sleep 2
  sql "UPDATE crawl_jobs SET state='queued', not_before_ms=0 WHERE kind='verify' AND state='done' AND target<>'$silent_id'" >/dev/null
  if [[ $round == 3 ]]; then
    kill -9 "${replica_pids[1]}"  # replica 2, mid-load
    echo "replica 2 killed"
  fi
done

wait "$load_pid" || fail "the load generator failed"
read -r ok failed <"$dir/load.out"
echo "searches: $ok ok, $failed failed"
[[ $failed == 0 ]] || fail "$failed failed searches: $(cat "$dir/load.log")"
(( ok > 100 )) || fail "only $ok searches in 30 s"

# Every verify job ends; the killed worker's job was taken over after its lease.
# (The re-queued rounds above make the quick servers' attempts count vary; only the
# silent server's job is checked for its attempts.)
for _ in $(seq 1 300); do
  [[ $(sql "SELECT count(*) FROM crawl_jobs WHERE kind='verify' AND state<>'done'") == 0 ]] && break
  sleep 0.2
done
[[ $(sql "SELECT count(*) FROM crawl_jobs WHERE kind='verify' AND state<>'done'") == 0 ]] ||
  fail "verify jobs left: $(sql "SELECT target, state, lease_owner FROM crawl_jobs WHERE state<>'done'")"
read -r attempts owner updated <<<"$(sql "SELECT attempts, lease_owner, updated_ms FROM crawl_jobs WHERE kind='verify' AND target='$silent_id'" | tr '|' ' ')"
[[ $attempts == 2 && $owner != wA ]] || fail "the killed worker's job: attempts $attempts, owner $owner"
python3 - "$(sql "SELECT server_id, timings_json FROM verifications WHERE timings_json LIKE '%worker%' ORDER BY server_id, id" )" "$silent_id" "$killed_at" <<'EOF' || fail "store checks"
import json, sys
rows = [line.split("|", 1) for line in sys.argv[1].splitlines() if line]
silent, killed_at = sys.argv[2], int(sys.argv[3])
by_server = {}
for server, timings in rows:
    t = json.loads(timings)
    by_server.setdefault(server, []).append((t["started_at_ms"], t["finished_at_ms"], t["worker"]))
assert len(by_server) == 9, f"expected 9 verified servers, got {len(by_server)}: {sorted(by_server)}"
for server, spans in by_server.items():
    spans.sort()
    for (s1, e1, w1), (s2, e2, w2) in zip(spans, spans[1:]):
        assert e1 <= s2, f"{server}: {w1} [{s1},{e1}] overlaps {w2} [{s2},{e2}]"
workers = {w for spans in by_server.values() for _, _, w in spans}
assert "wA" not in workers, "the killed worker recorded a verification"
assert workers <= {"wB", "wA2"}, f"unexpected workers {workers}"
assert sum(len(v) for v in by_server.values()) > 9, "nothing was verified twice"
(start, end, w), = by_server[silent]
assert start >= killed_at + 1000, f"taken over {start - killed_at} ms after the kill, before the lease ran out"
print("verifications:", {s: [w for _, _, w in v] for s, v in by_server.items()})
EOF
echo "PASS"
