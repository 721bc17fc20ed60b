// Deterministic int8 test inputs: node gen_inputs.js N BYTES_PER_INPUT CHANNELS SEED OUT.bin
// Each input mixes a random brightness and contrast, a smooth gradient, per-channel tints
// and noise, so that activations and outputs spread over their ranges (uniform noise
// alone makes every output alike). Independent of the C code under test.
'use strict';
const fs = require('fs');
const [n, bytes, channels, seed, out] = process.argv.slice(2);
let s = BigInt(seed) & 0xffffffffffffffffn;
function next() { // splitmix64
  s = (s + 0x9E3779B97F4A7C15n) & 0xffffffffffffffffn;
  let z = s;
  z = ((z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n) & 0xffffffffffffffffn;
  z = ((z ^ (z >> 27n)) * 0x94D049BB133111EBn) & 0xffffffffffffffffn;
  return Number((z ^ (z >> 31n)) >> 11n) / 2 ** 53;
}
const N = +n, B = +bytes, C = +channels;
const buf = Buffer.alloc(N * B);
for (let i = 0; i < N; i++) {
  const base = -128 + 256 * next(), contrast = 255 * next(), noise = 60 * next();
  const gx = next() - 0.5, gy = next() - 0.5, side = Math.round(Math.sqrt(B / C)) || 1;
  const tint = Array.from({ length: C }, () => 40 * (next() - 0.5));
  for (let j = 0; j < B; j++) {
    const c = j % C, px = Math.floor(j / C), x = px % side, y = Math.floor(px / side);
    let v = base + contrast * (gx * x + gy * y) / side + tint[c] + noise * (next() - 0.5);
    v = Math.max(-128, Math.min(127, Math.round(v)));
    buf.writeInt8(v, i * B + j);
  }
}
fs.writeFileSync(out, buf);
