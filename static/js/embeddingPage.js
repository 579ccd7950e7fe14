// A page of a project's stored embeddings, as GET /api/projects/<id>/embeddings sends it
// (server/api/embeddings.py): a uint32 (little-endian) header length, a UTF-8 JSON header
// {backbone_id, dim, dtype, ids, counts, next_cursor} padded to an 8-byte boundary, then for each
// sample its counts[i] vectors of dim little-endian float32 or float16 numbers. A batch the studio
// stores (PUT /api/projects/<id>/embeddings/<backbone>) is laid out the same, in float32, its
// header {ids, counts}. Pure, with Node tests (static/js/tests/embeddingPage.test.mjs); the
// studio's browser tests read real pages and store real batches.

const HEADER_LENGTH_BYTES = 4;

/**
 * {backboneId, dim, ids, pairs, nextCursor}: pairs[i] is sample ids[i]'s Float32Array of
 * [embedding, mirrored embedding] (or the embedding alone), as the embedder keeps them.
 */
export function readEmbeddingPage(buffer) {
  const view = new DataView(buffer);
  const length = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, HEADER_LENGTH_BYTES, length)));
  const start = HEADER_LENGTH_BYTES + length;
  const numbers = header.dtype === 'float16' ? float16ToFloat32(new Uint16Array(buffer, start)) : new Float32Array(buffer, start);
  const pairs = [];
  let offset = 0;
  for (const count of header.counts) {
    pairs.push(numbers.subarray(offset, offset + count * header.dim));
    offset += count * header.dim;
  }
  if (offset !== numbers.length) throw new Error(`an embedding page of ${numbers.length} numbers, expected ${offset}`);
  return { backboneId: header.backbone_id, dim: header.dim, ids: header.ids, pairs, nextCursor: header.next_cursor };
}

/** The body of a batch PUT: each of ids[i]'s pairs[i] (1 or 2 vectors of dim float32). */
export function writeEmbeddingBatch(ids, pairs, dim) {
  const counts = pairs.map((pair) => pair.length / dim);
  if (!counts.every((count) => count === 1 || count === 2)) throw new Error(`pairs must hold 1 or 2 vectors of ${dim} numbers`);
  let text = JSON.stringify({ ids, counts });
  text += ' '.repeat((8 - ((HEADER_LENGTH_BYTES + new TextEncoder().encode(text).length) % 8)) % 8);
  const header = new TextEncoder().encode(text);
  const start = HEADER_LENGTH_BYTES + header.length;
  const buffer = new ArrayBuffer(start + pairs.reduce((sum, pair) => sum + pair.byteLength, 0));
  new DataView(buffer).setUint32(0, header.length, true);
  new Uint8Array(buffer, HEADER_LENGTH_BYTES).set(header);
  let offset = start;
  for (const pair of pairs) {
    new Float32Array(buffer, offset, pair.length).set(pair);
    offset += pair.byteLength;
  }
  return buffer;
}

// Every float16 bit pattern's value, built on first use (256 kB): a lookup per number decodes
// 2.5 million numbers (5,000 pictures with their mirror images) in milliseconds.
let halfTable = null;

function halfValue(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Float32Array of the values of little-endian float16 numbers (as 16-bit patterns). */
export function float16ToFloat32(halves) {
  if (!halfTable) {
    halfTable = new Float32Array(0x10000);
    for (let bits = 0; bits < 0x10000; bits += 1) halfTable[bits] = halfValue(bits);
  }
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i += 1) out[i] = halfTable[halves[i]];
  return out;
}
