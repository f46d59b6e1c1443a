#!/usr/bin/env node
// Fine-tunes a static word-vector model (.omv) on MetaTool's query -> tool pairs, so
// that a query's mean vector lands near the vector of the tool that serves it
// (contrastive: softmax over all tools' vectors, temperature TAU). Word weights stay
// fixed; only vectors move, pulled back toward their start by an L2 term.
//
//   node train-metatool.js BASE.omv DATA_DIR OUT.omv [EPOCHS=3] [LR=0.05]
//
// The MetaTool queries that `onemcp eval run --sample 2000` uses for evaluation
// (evenly spaced, i * N / 2000) are held out. LiveMCPBench and MCP-Bench are never
// read. Deterministic: fixed order shuffle by a seeded generator.
'use strict';
const fs = require('fs');
const path = require('path');
const omv = require('./omv');

const [base, dataDir, out, epochsArg, lrArg] = process.argv.slice(2);
if (!base || !dataDir || !out) {
  console.error('usage: train-metatool.js BASE.omv DATA_DIR OUT.omv [EPOCHS]');
  process.exit(2);
}
const EPOCHS = Number(epochsArg || 3);
const TAU = 20;
const LR = Number(lrArg || 0.05);
const L2 = 1e-3;
const BATCH = 32;
const HELD_OUT = 2000;

const model = omv.read(base);
const { dim, words, weights, vecs } = model;
const start = vecs.map((v) => Float64Array.from(v));
const index = new Map(words.map((w, i) => [w, i]));

const readJsonl = (f) =>
  fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const tools = readJsonl(path.join(dataDir, 'metatool/tools.jsonl'));
const queries = readJsonl(path.join(dataDir, 'metatool/queries.jsonl'));
const toolRow = new Map(tools.map((t, i) => [t.tool_id, i]));
const rows = (text) => omv.tokens(text).map((t) => index.get(t)).filter((r) => r !== undefined);
const toolRows = tools.map((t) => rows(t.name + ' ' + t.description));

const heldOut = new Set();
for (let i = 0; i < HELD_OUT; ++i) heldOut.add(Math.floor((i * queries.length) / HELD_OUT));
const train = [];
queries.forEach((q, i) => {
  if (heldOut.has(i) || !Array.isArray(q.gold_tool_ids) || q.gold_tool_ids.length !== 1) return;
  const t = toolRow.get(q.gold_tool_ids[0]);
  const r = rows(q.query);
  if (t !== undefined && r.length > 0) train.push({ rows: r, tool: t });
});

const { embed, backprop } = omv.sentenceModel(dim, weights, vecs);

let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
for (let epoch = 0; epoch < EPOCHS; ++epoch) {
  for (let i = train.length - 1; i > 0; --i) {
    const j = Math.floor(rand() * (i + 1));
    [train[i], train[j]] = [train[j], train[i]];
  }
  let loss = 0;
  let correct = 0;
  for (let b = 0; b < train.length; b += BATCH) {
    const T = toolRows.map(embed);
    const gT = T.map(() => new Float64Array(dim));
    const grads = new Map();
    for (const ex of train.slice(b, b + BATCH)) {
      const q = embed(ex.rows);
      const logits = T.map((t) => TAU * t.e.reduce((s, x, d) => s + x * q.e[d], 0));
      const mx = Math.max(...logits);
      const p = logits.map((l) => Math.exp(l - mx));
      const z = p.reduce((s, x) => s + x, 0);
      loss += -Math.log(p[ex.tool] / z);
      if (logits.indexOf(mx) === ex.tool) ++correct;
      const gq = new Float64Array(dim);
      p.forEach((pi, k) => {
        const c = TAU * (pi / z - (k === ex.tool ? 1 : 0));
        for (let d = 0; d < dim; ++d) {
          gq[d] += c * T[k].e[d];
          gT[k][d] += c * q.e[d];
        }
      });
      backprop(ex.rows, q, gq, grads);
    }
    T.forEach((t, k) => backprop(toolRows[k], t, gT[k], grads));
    const scale = LR / BATCH;
    for (const [w, g] of grads) {
      const v = vecs[w];
      for (let d = 0; d < dim; ++d) v[d] -= scale * g[d] + LR * L2 * (v[d] - start[w][d]);
    }
  }
  console.error(`train-metatool: epoch ${epoch + 1}: loss ${(loss / train.length).toFixed(3)}, ` +
                `train top-1 ${(correct / train.length).toFixed(3)} (${train.length} pairs)`);
}
omv.write(out, dim, words, weights, vecs);
console.error(`train-metatool: wrote ${out}`);
