#!/usr/bin/env bash
# `onemcp sandbox run <input>` for each kind of input, against the real engine and the
# configured npm registry: a folder built from source, a server.json file, an mcpServers
# block, a Git URL of a local repository, an npm spec and a launch command line. Each is
# discovered, hosted in the sandbox and served on stdio; the test speaks MCP to it
# (initialize, tools/list) and checks the tools. Then the clear errors: a package the
# registry does not serve, a server that needs a secret, a block without the named server.
# Usage: run_cli_test.sh <path to onemcp>
set -euo pipefail
onemcp=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
fixtures=$src/tests/fixtures/servers
work=$(mktemp -d)
srv_pid=""
cleanup() {
  # A run still going is ended by closing its stdin, so that it removes its container;
  # killed only if it does not end.
  if [[ -n "$srv_pid" ]]; then
    eval "exec ${SRV[1]}>&-" 2>/dev/null || true
    for _ in $(seq 20); do kill -0 "$srv_pid" 2>/dev/null || break; sleep 0.5; done
    kill "$srv_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- onemcp stderr:" >&2
  tail -n 30 "$work/stderr" >&2 || true
  exit 1
}

# Reads the server's lines until the answer to request id $1; prints it.
answer() {
  local line
  while IFS= read -r -t 300 line <&"${SRV[0]}"; do
    if [[ $(jq -r '.id // empty' <<<"$line" 2>/dev/null) == "$1" ]]; then
      printf '%s\n' "$line"
      return 0
    fi
  done
  return 1
}

# Containers of the CLI's for a server name.
containers() { docker ps -aq --filter label=io.onemcp.owner=cli --filter "label=io.onemcp.server=$1"; }

# run_and_list NAME EXPECTED_TOOLS ARGS...: `onemcp sandbox run ARGS`, initialize,
# tools/list; the sorted tool names joined by commas must equal EXPECTED_TOOLS, served
# from a container labelled with the server NAME. Closing its stdin ends the run; onemcp
# must exit 0 and leave no container of the server behind.
run_and_list() {
  local name=$1 expect=$2 server
  shift 2
  echo "== sandbox run $*"
  coproc SRV { exec "$onemcp" sandbox run "$@" 2>>"$work/stderr"; }
  srv_pid=$SRV_PID
  printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"run-cli-test","version":"1"}}}' >&"${SRV[1]}"
  init=$(answer 1) || fail "no initialize answer from: $*"
  server=$(jq -r '.result.serverInfo.name' <<<"$init")
  [[ -n "$server" && "$server" != null ]] || fail "initialize: $init"
  printf '%s\n' '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' >&"${SRV[1]}"
  list=$(answer 2) || fail "no tools/list answer from: $*"
  got=$(jq -r '[.result.tools[].name] | sort | join(",")' <<<"$list")
  [[ "$got" == "$expect" ]] || fail "$*: tools $got, expected $expect"
  [[ -n "$(containers "$name")" ]] || fail "$*: no container labelled $name"
  eval "exec ${SRV[1]}>&-"
  wait "$srv_pid" || fail "onemcp sandbox run $* exited with $?"
  srv_pid=""
  [[ -z "$(containers "$name")" ]] || fail "$*: container(s) of $name left: $(containers "$name")"
  echo "   $server ($name): $got"
}

# A local folder whose server must be installed from source (a real npm dependency).
run_and_list fixture-node-with-deps count,shout "$fixtures/node-with-deps"

# A server.json file naming an npm package.
cat >"$work/server.json" <<'JSON'
{"name": "io.github.modelcontextprotocol/sequential-thinking", "version": "1.0.0",
 "packages": [{"registryType": "npm", "identifier": "@modelcontextprotocol/server-sequential-thinking",
               "transport": {"type": "stdio"}}]}
JSON
run_and_list sequential-thinking sequentialthinking "$work/server.json"

# An mcpServers block, inline; --server picks one of two.
block='{"mcpServers": {"think": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-sequential-thinking"]},
                       "memory": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"]}}}'
memory_tools=add_observations,create_entities,create_relations,delete_entities,delete_observations,delete_relations,open_nodes,read_graph,search_nodes
run_and_list memory "$memory_tools" "$block" --server memory

# A Git URL of a local repository (cloned, then discovered as a folder).
cp -r "$fixtures/node-bin" "$work/repo"
git -C "$work/repo" init -q
git -C "$work/repo" -c user.name=t -c user.email=t@example.org add .
git -C "$work/repo" -c user.name=t -c user.email=t@example.org commit -qm fixture
run_and_list fixture-node-bin echo,reverse "file://$work/repo"

# A Python folder that needs a secret, given with --env.
run_and_list needs-secret add,echo "$fixtures/needs-secret" --env WEATHER_API_TOKEN=test-token

# An npm spec, and a launch command line.
run_and_list server-memory "$memory_tools" @modelcontextprotocol/server-memory
run_and_list server-sequential-thinking sequentialthinking "npx -y @modelcontextprotocol/server-sequential-thinking"

# SIGTERM ends a run like the end of its input: the container is removed.
echo "== sandbox run, then SIGTERM"
coproc SRV { exec "$onemcp" sandbox run "$fixtures/node-bin" 2>>"$work/stderr"; }
srv_pid=$SRV_PID
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"run-cli-test","version":"1"}}}' >&"${SRV[1]}"
answer 1 >/dev/null || fail "no initialize answer before SIGTERM"
[[ -n "$(containers fixture-node-bin)" ]] || fail "no container before SIGTERM"
kill -TERM "$srv_pid"
wait "$srv_pid" || fail "onemcp sandbox run exited with $? on SIGTERM"
srv_pid=""
[[ -z "$(containers fixture-node-bin)" ]] || fail "SIGTERM left container(s): $(containers fixture-node-bin)"

# Clear errors, no hang: a real package this registry does not serve; a secret not given;
# a block without the server asked for.
set +e
out=$(timeout 120 "$onemcp" sandbox run docfork 2>&1 </dev/null)
code=$?
set -e
[[ $code == 1 ]] || fail "docfork: exit $code: $out"
grep -q "not-served: package not served by the configured registry: docfork" <<<"$out" || fail "docfork: $out"
set +e
out=$(timeout 60 "$onemcp" sandbox run "$fixtures/needs-secret" 2>&1 </dev/null)
code=$?
set -e
[[ $code == 1 ]] || fail "needs-secret: exit $code: $out"
grep -q "needs WEATHER_API_TOKEN: give each with --env NAME=VALUE" <<<"$out" || fail "needs-secret: $out"
set +e
out=$(timeout 60 "$onemcp" sandbox run "$block" --server nope 2>&1 </dev/null)
code=$?
set -e
[[ $code == 1 ]] || fail "--server nope: exit $code: $out"
grep -q "no server 'nope' in the block (it has: memory, think)" <<<"$out" || fail "--server nope: $out"
echo "PASS"
