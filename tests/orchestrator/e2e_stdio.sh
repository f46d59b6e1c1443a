#!/usr/bin/env bash
# Runs e2e_stdio.mjs (the official TypeScript SDK client through `onemcp stdio`) on a fresh
# daemon with its own XDG folders, then stops that daemon and checks that none of its
# containers is left, and removes the data volumes its servers made (a user's daemon keeps
# them; a test's would pile up run after run).
#   tests/orchestrator/e2e_stdio.sh ONEMCP_BINARY "TASK" TOOL_SUFFIX...
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
onemcp=${1:?usage: e2e_stdio.sh ONEMCP_BINARY TASK TOOL_SUFFIX...}
shift
home=$(mktemp -d)
mkdir -m 700 "$home/run"
export XDG_STATE_HOME=$home/state XDG_RUNTIME_DIR=$home/run XDG_CONFIG_HOME=$home/config XDG_DATA_HOME=$home/data
data_volumes() { docker volume ls -q --filter label=io.onemcp.role=data | sort; }
containers() { docker ps -aq --filter label=io.onemcp.managed=true | sort; }
volumes_before=$(data_volumes)
containers_before=$(containers)
cleanup() {
  "$onemcp" daemon stop >/dev/null 2>&1 || true
  comm -13 <(echo "$volumes_before") <(data_volumes) | xargs -r docker volume rm >/dev/null || true
  cat "$home/state/onemcp/daemon.log" >&2 2>/dev/null || true
  rm -rf "$home"
}
trap cleanup EXIT
status=0
node "$root/tests/orchestrator/e2e_stdio.mjs" "$root/tools/node/node_modules" "$onemcp" "$@" || status=$?
"$onemcp" daemon stop >/dev/null
left=$(comm -13 <(echo "$containers_before") <(containers))
if [[ -n "$left" ]]; then
  echo "e2e: containers left after daemon stop: $left" >&2
  xargs -r docker rm -f <<<"$left" >/dev/null
  status=1
fi
exit $status
