#!/usr/bin/env bash
# The crawl end to end with real parts: a local source (an mcpServers file naming the nine
# real npm servers of Sandbox III's tests, resolved through npm as npm is configured) is
# crawled, every one is verified in the Docker sandbox, and `registry search` then finds them with their
# real tools and verified=true. A second crawl is incremental: nothing changed, nothing
# is verified again.
# Usage: crawl_e2e_test.sh <path to onemcp>
set -euo pipefail
onemcp=$1
dir=$(mktemp -d)
cleanup() { rm -rf "$dir"; }
trap cleanup EXIT
export XDG_DATA_HOME=$dir/data XDG_STATE_HOME=$dir/state
fail() { echo "FAIL: $*" >&2; exit 1; }
db="sqlite:$dir/registry.db"

cat >"$dir/servers.json" <<'EOF'
{"mcpServers": {
  "memory": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"]},
  "everything": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-everything"]},
  "filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]},
  "sequential-thinking": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-sequential-thinking"]},
  "taskmanager": {"command": "npx", "args": ["-y", "@kazuph/mcp-taskmanager"]},
  "deepwiki": {"command": "npx", "args": ["-y", "mcp-deepwiki@latest"]},
  "exchange-rate": {"command": "npx", "args": ["-y", "@karashiiro/exchange-rate-mcp"]},
  "howtocook": {"command": "npx", "args": ["-y", "howtocook-mcp"]},
  "bazi": {"command": "npx", "args": ["-y", "bazi-mcp"]}
}}
EOF

"$onemcp" registry crawl --db "$db" --no-seed --source "mcpservers:$dir/servers.json" --timeout 300 \
  2>"$dir/crawl.log" || { cat "$dir/crawl.log" >&2; fail "crawl failed"; }
cat "$dir/crawl.log"
grep -q "crawl done: 9 verification(s), 9 verified" "$dir/crawl.log" || fail "not all nine verified"

# search --json -> "id verified tool,tool,..." per server
summary() {
  python3 -c 'import json,sys
for s in json.load(sys.stdin)["servers"]:
    print(s["id"], s["verified"], ",".join(t["name"] for t in s["tools"]))'
}
memory=$("$onemcp" registry search --db "$db" --no-seed --verified --json -k 2 \
  "remember facts about people in a knowledge graph of entities and relations" | summary)
echo "$memory"
read -r id verified tools <<<"$(head -1 <<<"$memory")"
[[ $id == mcp:memory && $verified == True ]] || fail "memory not first and verified: $memory"
[[ ,$tools, == *,create_entities,* || ,$tools, == *,create_relations,* ]] || fail "memory tools: $tools"

everything=$("$onemcp" registry search --db "$db" --no-seed --verified --json -k 2 \
  "echo back the input message" | summary)
echo "$everything"
grep -q '^mcp:everything True .*echo' <<<"$everything" || fail "everything with its echo tool: $everything"

thinking=$("$onemcp" registry search --db "$db" --no-seed --verified --json -k 2 \
  "think through a hard problem step by step, revising earlier thoughts" | summary)
echo "$thinking"
grep -q '^mcp:sequential-thinking True .*sequentialthinking' <<<"$thinking" || fail "sequential thinking: $thinking"

# Incremental: the same source again changes nothing and verifies nothing.
"$onemcp" registry crawl --db "$db" --no-seed --source "mcpservers:$dir/servers.json" 2>"$dir/again.log" ||
  { cat "$dir/again.log" >&2; fail "second crawl failed"; }
grep -q "9 unchanged" "$dir/again.log" || fail "second crawl not incremental: $(cat "$dir/again.log")"
grep -q "crawl done: 0 verification(s)" "$dir/again.log" || fail "re-verified: $(cat "$dir/again.log")"
echo "PASS"
