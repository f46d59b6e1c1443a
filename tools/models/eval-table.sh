#!/usr/bin/env bash
# Reproduces the retrieval table of docs/retrieval.md: every method on LiveMCPBench dev
# (its own 70 servers, and the 1,506-server union haystack), MCP-Bench and a 2,000-query
# MetaTool sample. Prints markdown rows.
#   tools/models/eval-table.sh [ONEMCP_BINARY] [DATA_DIR] [MODEL_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$root/build/ci/apps/onemcp/onemcp}
data=${2:-$root/../shared/data}
models=${3:-${XDG_CACHE_HOME:-$HOME/.cache}/onemcp/models}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# metric NAME < "eval score" line  ->  the value after NAME
metric() { tr ' ' '\n' | grep -A1 -x "$1" | tail -1; }

row() {  # row LABEL run-args...
  local label=$1; shift
  local live=$data/livemcpbench
  "$bin" eval run --data "$data" --corpus live --queries "$live/queries_dev.jsonl" --out "$work/l.jsonl" "$@" 2>/dev/null
  "$bin" eval run --data "$data" --corpus all --queries "$live/queries_dev.jsonl" --out "$work/a.jsonl" "$@" 2>/dev/null
  "$bin" eval run --data "$data" --corpus mcpbench --queries "$data/mcp-bench/queries.jsonl" --out "$work/m.jsonl" "$@" 2>/dev/null
  "$bin" eval run --data "$data" --corpus metatool --queries "$data/metatool/queries.jsonl" --sample 2000 --out "$work/t.jsonl" "$@" 2>/dev/null
  local out="| $label "
  for c in l a; do
    local s t
    s=$("$bin" eval score --run "$work/$c.jsonl" --qrels "$live/qrels_servers_dev.tsv")
    t=$("$bin" eval score --run "$work/$c.jsonl" --qrels "$live/qrels_tools_dev.tsv" --level tools --slots "$live/queries_dev.jsonl")
    for k in R@1 R@5 R@10 nDCG@5; do out+="| $(metric $k <<<"$s") "; done
    for k in R@5 Slot-R@5; do out+="| $(metric $k <<<"$t") "; done
  done
  out+="| $("$bin" eval score --run "$work/m.jsonl" --qrels "$data/mcp-bench/qrels_servers.tsv" | metric R@5) "
  local mt
  mt=$("$bin" eval score --run "$work/t.jsonl" --qrels "$data/metatool/qrels_tools.tsv")
  out+="| $(metric Hit@1 <<<"$mt") | $(metric R@5 <<<"$mt") |"
  echo "$out"
}

echo "| method | live S-R@1 | S-R@5 | S-R@10 | S-nDCG@5 | T-R@5 | Slot-R@5 | union S-R@1 | S-R@5 | S-R@10 | S-nDCG@5 | T-R@5 | Slot-R@5 | MCP-Bench S-R@5 | MetaTool Hit@1 | MetaTool R@5 |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
row "BM25F alone" --mode lexical
# glove-mt-cat-100k: only if built by hand (tools/models/train-catalog.js; not the default)
for m in glove-100k glove-mt-100k glove-mt-cat-100k; do
  [[ -f "$models/$m.omv" ]] || continue
  row "dense alone, $m" --mode dense --model "$models/$m.omv"
  row "hybrid, $m" --mode hybrid --model "$models/$m.omv"
done
if [[ -f "$models/glove-mt-100k.omv" ]]; then
  m=$models/glove-mt-100k.omv
  # Ablations of the default (hybrid, glove-mt-100k): each row turns one thing off or on.
  row "default, sub-task merge round-robin" --model "$m" --merge rr
  row "default, sub-task merge blend 0.3" --model "$m" --merge blend
  row "default, no artefact words" --model "$m" --no-artifacts
  row "default, repeated query words counted each time" --model "$m" --repeat-terms
  row "default, no compound joining" --model "$m" --no-compounds
  row "default, no tool-count damping" --model "$m" --tool-count-damping 0
  row "default, no query expansion" --model "$m" --expansion-terms 0
  row "default, int8 two-pass dense index" --model "$m" --quantised
fi
