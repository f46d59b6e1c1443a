#!/usr/bin/env node
// Self-supervised tuning of a static word-vector model (.omv) on the catalogues' own
// text, no labels: a server's description should land near each of its tools (name and
// description), and a tool's name near its description. Words that servers use to say
// what they are for ("remember information about the user") move toward the words of
// the tools that do it ("create entities in the knowledge graph"), which is how users
// phrase a need. Contrastive, with in-batch negatives (softmax over the batch's other
// targets, temperature TAU); word weights stay fixed; vectors are pulled back toward
// their start by an L2 term, as in train-metatool.js.
//
//   node train-catalog.js BASE.omv DATA_DIR OUT.omv [EPOCHS=10] [LR=1.0] [PAIRS=both]
//
// PAIRS: both | server (server text <-> each of its tools) | name (tool name <-> its
// description). Reads the LiveMCPTool and Docker catalogues' servers and tools (text
// only). The benchmarks' queries and labels (LiveMCPBench, MCP-Bench) are never read.
// Deterministic: a seeded shuffle. Not run by scripts/build-models: measured in
// docs/retrieval.md (session 4), it lifts union server recall but costs tool Slot-R@5.
'use strict';
const fs = require('fs');
const path = require('path');
const omv = require('./omv');

const [base, dataDir, out, epochsArg, lrArg, pairsArg] = process.argv.slice(2);
const PAIRS = pairsArg || 'both';
if (!base || !dataDir || !out || !['both', 'server', 'name'].includes(PAIRS)) {
  console.error('usage: train-catalog.js BASE.omv DATA_DIR OUT.omv [EPOCHS] [LR] [both|server|name]');
  process.exit(2);
}
const EPOCHS = Number(epochsArg || 10);
const LR = Number(lrArg || 1.0);
const TAU = 20;
const L2 = 1e-3;
const BATCH = 64;

const model = omv.read(base);
const { dim, words, weights, vecs } = model;
const start = vecs.map((v) => Float64Array.from(v));
const index = new Map(words.map((w, i) => [w, i]));
const rows = (text) => omv.tokens(text || '').map((t) => index.get(t)).filter((r) => r !== undefined);

const readJsonl = (f) =>
  fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const pairs = [];
const addPair = (a, b) => {
  const ra = rows(a);
  const rb = rows(b);
  if (ra.length > 0 && rb.length > 0) pairs.push({ a: ra, b: rb });
};
for (const dir of ['livemcpbench', 'docker-mcp-catalog']) {
  const servers = new Map(readJsonl(path.join(dataDir, dir, 'servers.jsonl')).map((s) => [s.server_id, s]));
  for (const t of readJsonl(path.join(dataDir, dir, 'tools.jsonl'))) {
    const s = servers.get(t.server_id);
    const toolText = `${t.name} ${t.description || ''}`;
    if (s && PAIRS !== 'name') addPair(`${s.title || s.name || ''} ${s.description || ''}`, toolText);
    if (PAIRS !== 'server') addPair(t.name, t.description || '');
  }
}

const { embed, backprop } = omv.sentenceModel(dim, weights, vecs);

let seed = 4242;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
for (let epoch = 0; epoch < EPOCHS; ++epoch) {
  for (let i = pairs.length - 1; i > 0; --i) {
    const j = Math.floor(rand() * (i + 1));
    [pairs[i], pairs[j]] = [pairs[j], pairs[i]];
  }
  let loss = 0;
  let correct = 0;
  for (let s = 0; s < pairs.length; s += BATCH) {
    const batch = pairs.slice(s, s + BATCH);
    const A = batch.map((p) => embed(p.a));
    const B = batch.map((p) => embed(p.b));
    const gA = A.map(() => new Float64Array(dim));
    const gB = B.map(() => new Float64Array(dim));
    for (let i = 0; i < batch.length; ++i) {
      const logits = B.map((b) => TAU * b.e.reduce((acc, x, d) => acc + x * A[i].e[d], 0));
      const mx = Math.max(...logits);
      const p = logits.map((l) => Math.exp(l - mx));
      const z = p.reduce((acc, x) => acc + x, 0);
      loss += -Math.log(p[i] / z);
      if (logits.indexOf(mx) === i) ++correct;
      p.forEach((pk, k) => {
        const c = TAU * (pk / z - (k === i ? 1 : 0));
        for (let d = 0; d < dim; ++d) {
          gA[i][d] += c * B[k].e[d];
          gB[k][d] += c * A[i].e[d];
        }
      });
    }
    const grads = new Map();
    batch.forEach((p, i) => {
      backprop(p.a, A[i], gA[i], grads);
      backprop(p.b, B[i], gB[i], grads);
    });
    const scale = LR / batch.length;
    for (const [w, g] of grads) {
      const v = vecs[w];
      for (let d = 0; d < dim; ++d) v[d] -= scale * g[d] + LR * L2 * (v[d] - start[w][d]);
    }
  }
  console.error(`train-catalog: epoch ${epoch + 1}: loss ${(loss / pairs.length).toFixed(3)}, ` +
                `in-batch top-1 ${(correct / pairs.length).toFixed(3)} (${pairs.length} pairs)`);
}
omv.write(out, dim, words, weights, vecs);
console.error(`train-catalog: wrote ${out}`);
