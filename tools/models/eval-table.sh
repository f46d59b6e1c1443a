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
# Session 4's fusion (scores summed per tool and server text, BM25 / its best, dense
# spread over its candidates, dense share 0.3) and today's default (late fusion, min-max
# over each channel's top 100, dense share 0.4), per table.
old=(--fusion early --scale max --dense-weight 0.3)
# glove-mt-cat-100k: only if built by hand (tools/models/train-catalog.js; not the default)
for m in glove-100k.omv glove-mt-100k.omv use-30k.omv use-mt-30k.omv glove-mt-cat-100k.omv \
         glove-use-mt.omvmix; do
  [[ -f "$models/$m" ]] || continue
  row "dense alone, $m" --mode dense --model "$models/$m"
  row "hybrid, $m, session-4 fusion" --model "$models/$m" "${old[@]}"
  row "hybrid, $m, late fusion" --model "$models/$m"
done
if [[ -f "$models/glove-use-mt.omvmix" ]]; then
  m=$models/glove-use-mt.omvmix
  # Ablations of the default (hybrid, glove-use-mt.omvmix, late min-max fusion): each row
  # changes one thing of it.
  row "default, early fusion" --model "$m" --fusion early
  row "default, scale by max (BM25 / best, dense spread)" --model "$m" --scale max
  row "default, z-score scale" --model "$m" --scale z
  row "default, dense share 0.3" --model "$m" --dense-weight 0.3
  row "default, dense share 0.5" --model "$m" --dense-weight 0.5
  row "default, min-max over the top 50" --model "$m" --scale-depth 50
  row "default, min-max over the top 200" --model "$m" --scale-depth 200
  row "default, sub-task merge round-robin" --model "$m" --merge rr
  row "default, sub-task merge blend 0.3" --model "$m" --merge blend
  row "default, no artefact words" --model "$m" --no-artifacts
  row "default, repeated query words counted each time" --model "$m" --repeat-terms
  row "default, no compound joining" --model "$m" --no-compounds
  row "default, no tool-count damping" --model "$m" --tool-count-damping 0
  row "default, no query expansion" --model "$m" --expansion-terms 0
  row "default, int8 two-pass dense index" --model "$m" --quantised
fi
