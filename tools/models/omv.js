// Reads and writes OneMCP's static model format (.omv); see
// src/search/include/onemcp/search/static_model.h for the layout.
'use strict';
const fs = require('fs');
const path = require('path');

function toHalf(f) {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setFloat32(0, f);
  const x = buf.getUint32(0);
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
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

// "All-but-the-top": subtracts the mean vector and the first principal component (found
// by `iterations` rounds of power iteration) from every vector, in place. Both dominate
// every cosine of raw word vectors.
function removeCommonDirection(vecs, dim, iterations) {
  const n = vecs.length;
  const mean = new Float64Array(dim);
  for (const v of vecs) for (let d = 0; d < dim; ++d) mean[d] += v[d] / n;
  for (const v of vecs) for (let d = 0; d < dim; ++d) v[d] -= mean[d];
  let pc = new Float64Array(dim).fill(1 / Math.sqrt(dim));
  for (let it = 0; it < iterations; ++it) {
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
}

// words: string[]; weights: number[]; vecs: Float64Array[] (same order).
function write(out, dim, words, weights, vecs) {
  const n = words.length;
  const order = [...words.keys()].sort((a, b) => Buffer.compare(Buffer.from(words[a]), Buffer.from(words[b])));
  const align = (x) => Math.ceil(x / 16) * 16;
  const strBytes = order.reduce((s, i) => s + Buffer.byteLength(words[i]), 0);
  const offOffsets = 64;
  const offStrings = align(offOffsets + 4 * (n + 1));
  const offWeights = align(offStrings + strBytes);
  const offVectors = align(offWeights + 4 * n);
  const file = Buffer.alloc(offVectors + 2 * n * dim);
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
    for (let d = 0; d < dim; ++d) file.writeUInt16LE(toHalf(vecs[i][d]), offVectors + 2 * (row * dim + d));
  });
  file.writeUInt32LE(pos, offOffsets + 4 * n);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out + '.tmp', file);
  fs.renameSync(out + '.tmp', out);
  return file.length;
}

// Returns {dim, words, weights, vecs} with vectors decoded to float64.
function read(file) {
  const b = fs.readFileSync(file);
  if (b.toString('ascii', 0, 8) !== 'OMCPVEC1') throw new Error(file + ': not an .omv model');
  const dim = b.readUInt32LE(12);
  const n = b.readUInt32LE(16);
  const offOffsets = Number(b.readBigUInt64LE(32));
  const offStrings = Number(b.readBigUInt64LE(40));
  const offWeights = Number(b.readBigUInt64LE(48));
  const offVectors = Number(b.readBigUInt64LE(56));
  const words = [];
  const weights = [];
  const vecs = [];
  for (let r = 0; r < n; ++r) {
    const a = b.readUInt32LE(offOffsets + 4 * r);
    const e = b.readUInt32LE(offOffsets + 4 * (r + 1));
    words.push(b.toString('utf8', offStrings + a, offStrings + e));
    weights.push(b.readFloatLE(offWeights + 4 * r));
    const v = new Float64Array(dim);
    for (let d = 0; d < dim; ++d) v[d] = halfToFloat(b.readUInt16LE(offVectors + 2 * (r * dim + d)));
    vecs.push(v);
  }
  return { dim, words, weights, vecs };
}

// The same words as OneMCP's splitWords for ASCII text (camelCase, digits, separators).
function tokens(text) {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])([0-9])|([0-9])([A-Za-z])/g, (m, a, b, c, d) => (a ? a + ' ' + b : c + ' ' + d))
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
}

// The sentence vector of word rows (their weighted sum, L2-normalised) and its gradient,
// for the training scripts. embed(r) returns {u, norm, e}; backprop(r, emb, ge, grads)
// adds dL/d(word vector) to grads (a Map from row to Float64Array) given dL/de.
function sentenceModel(dim, weights, vecs) {
  function embed(r) {
    const u = new Float64Array(dim);
    for (const w of r) for (let d = 0; d < dim; ++d) u[d] += weights[w] * vecs[w][d];
    const n = Math.sqrt(u.reduce((s, x) => s + x * x, 0)) || 1;
    return { u, norm: n, e: u.map((x) => x / n) };
  }
  function backprop(r, emb, ge, grads) {
    let dot = 0;
    for (let d = 0; d < dim; ++d) dot += ge[d] * emb.e[d];
    const gu = new Float64Array(dim);
    for (let d = 0; d < dim; ++d) gu[d] = (ge[d] - dot * emb.e[d]) / emb.norm;
    for (const w of r) {
      let g = grads.get(w);
      if (!g) grads.set(w, (g = new Float64Array(dim)));
      for (let d = 0; d < dim; ++d) g[d] += weights[w] * gu[d];
    }
  }
  return { embed, backprop };
}

module.exports = { toHalf, halfToFloat, removeCommonDirection, write, read, tokens, sentenceModel };
