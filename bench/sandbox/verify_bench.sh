#!/usr/bin/env bash
# Verification time per server and the share verified, for the real npm packages of
# discovery_real_packages_test: `onemcp sandbox verify <input> --json` per package, RUNS
# times, warm (install volume cached) and cold (that package's install volume removed
# first, so `npm install` runs). Prints per package the median total time, then over all
# packages the median and p90 of those medians, and verified / total.
#   bench/sandbox/verify_bench.sh BUILD_DIR [RUNS] [warm|cold|both] [COUNT]
# COUNT takes the first COUNT packages (the ctest smoke run takes one, warm, once).
set -euo pipefail
build=${1:?usage: verify_bench.sh BUILD_DIR [RUNS] [warm|cold|both] [COUNT]}
runs=${2:-3}
modes=${3:-both}
count=${4:-0}
onemcp="$build/apps/onemcp/onemcp"
[[ -x "$onemcp" ]] || { echo "no $onemcp" >&2; exit 1; }
[[ $modes == both ]] && modes="warm cold"

# input<TAB>server name (the install volume is onemcp-pkg-<server>-<hash>)
packages=$(cat <<'LIST'
@modelcontextprotocol/server-everything	server-everything
npx -y @modelcontextprotocol/server-filesystem /tmp	server-filesystem
@modelcontextprotocol/server-memory	server-memory
@modelcontextprotocol/server-sequential-thinking	server-sequential-thinking
@kazuph/mcp-taskmanager	mcp-taskmanager
mcp-deepwiki@latest	mcp-deepwiki
@karashiiro/exchange-rate-mcp	exchange-rate-mcp
howtocook-mcp	howtocook-mcp
bazi-mcp	bazi-mcp
LIST
)
[[ $count -gt 0 ]] && packages=$(head -n "$count" <<<"$packages")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

status=0
for mode in $modes; do
  echo "== $mode, $runs run(s), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  : >"$out/$mode.tsv"
  while IFS=$'\t' read -r input server; do
    for i in $(seq "$runs"); do
      if [[ $mode == cold ]]; then
        # Only this package's install volumes; a volume in use is left (and says so).
        for v in $(docker volume ls -q --filter label=io.onemcp.managed=true | grep "^onemcp-pkg-$server-" || true); do
          docker volume rm "$v" >/dev/null || echo "could not remove $v" >&2
        done
      fi
      rec=$("$onemcp" sandbox verify "$input" --json --timeout 300 2>/dev/null </dev/null) || true
      outcome=$(jq -r '.outcome // "error"' <<<"$rec" 2>/dev/null || echo error)
      ms=$(jq -r '.timings_ms.total // .timings_ms.start // 0' <<<"$rec" 2>/dev/null || echo 0)
      tools=$(jq -r '.tool_count // 0' <<<"$rec" 2>/dev/null || echo 0)
      printf '%s\t%s\t%s\t%s\n' "$server" "$outcome" "$ms" "$tools" >>"$out/$mode.tsv"
      [[ $outcome == verified ]] || status=1
    done
  done <<<"$packages"
  echo "== $mode done, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  python3 - "$mode" "$out/$mode.tsv" <<'PY'
import statistics, sys
mode, path = sys.argv[1], sys.argv[2]
rows = [l.rstrip("\n").split("\t") for l in open(path) if l.strip()]
per = {}
for server, outcome, ms, tools in rows:
    per.setdefault(server, []).append((outcome, int(ms) / 1000.0, int(tools)))
medians = []
verified = 0
for server, runs in per.items():
    m = statistics.median(s for _, s, _ in runs)
    medians.append(m)
    ok = all(o == "verified" for o, _, _ in runs)
    verified += ok
    print(f"{mode:5} {server:30} {runs[0][0]:14} {runs[0][2]:3} tools  median {m:6.2f} s  ({len(runs)} runs)")
medians.sort()
p90 = medians[min(len(medians) - 1, int(round(0.9 * (len(medians) - 1))))]
print(f"{mode:5} per server: median {statistics.median(medians):.2f} s, p90 {p90:.2f} s; "
      f"verified {verified} of {len(per)}")
PY
done
exit $status
