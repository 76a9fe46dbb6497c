import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeModel } from '../../src/onnx/index.js';
import { createOnnxSession } from '../../src/backends/onnx.js';
import { buildAnime4kModel, loadAnime4kWeightsJson, parseAnime4kWeights, ANIME4K_VARIANTS } from '../../src/upscale/index.js';
import { anime4kReference } from './anime4k-reference.js';

function randomFloats(length: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

for (const variant of ANIME4K_VARIANTS) {
  test(`ONNX graph of cnn-2x-${variant} matches the plain reference within 1e-4 (odd size, edges included)`, async () => {
    const json = loadAnime4kWeightsJson(variant, 'an') as Parameters<typeof anime4kReference>[0];
    const network = parseAnime4kWeights(json);
    const session = await createOnnxSession(encodeModel(buildAnime4kModel(network, { io: 'float-nchw' })), { intraOpThreads: 2 });
    try {
      const [w, h] = [11, 7];
      const rgb = randomFloats(3 * w * h, 42);
      const { upscaled } = await session.run({ image: { type: 'float32', data: rgb, dims: [1, 3, h, w] } });
      assert.deepEqual(upscaled.dims, [1, 3, 2 * h, 2 * w]);
      const expected = anime4kReference(json, rgb, w, h);
      let maxDiff = 0;
      let changed = 0; // the residual must actually do something, or the comparison proves little
      for (let i = 0; i < expected.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(expected[i] - (upscaled.data[i] as number)));
      }
      const bilinearOnly = bilinear(rgb, w, h);
      for (let i = 0; i < expected.length; i++) if (Math.abs(expected[i] - bilinearOnly[i]) > 0.01) changed++;
      assert.ok(maxDiff <= 1e-4, `max abs diff ${maxDiff}`);
      assert.ok(changed > expected.length / 4, `only ${changed} values differ from plain bilinear`);
    } finally {
      await session.dispose();
    }
  });
}

/** Plain bilinear ×2 (half-pixel centres, clamped edges), for the "residual is not zero" check. */
function bilinear(rgb: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(12 * w * h);
  const at = (c: number, x: number, y: number) => rgb[c * w * h + Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))];
  for (let c = 0; c < 3; c++) {
    for (let Y = 0; Y < 2 * h; Y++) {
      for (let X = 0; X < 2 * w; X++) {
        const sx = (X + 0.5) / 2 - 0.5;
        const sy = (Y + 0.5) / 2 - 0.5;
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        out[c * 4 * w * h + Y * 2 * w + X] =
          (1 - fy) * ((1 - fx) * at(c, x0, y0) + fx * at(c, x0 + 1, y0)) + fy * ((1 - fx) * at(c, x0, y0 + 1) + fx * at(c, x0 + 1, y0 + 1));
      }
    }
  }
  return out;
}

test('the uint8 HWC graph equals the float graph rounded, for several sizes on one session', async () => {
  const network = parseAnime4kWeights(loadAnime4kWeightsJson('m'));
  const floatSession = await createOnnxSession(encodeModel(buildAnime4kModel(network, { io: 'float-nchw' })));
  const byteSession = await createOnnxSession(encodeModel(buildAnime4kModel(network, { io: 'uint8-nhwc' })));
  try {
    for (const [w, h] of [[1, 1], [2, 3], [17, 5], [40, 33]]) {
      const bytes = Uint8Array.from(randomFloats(w * h * 3, w * 131 + h), (v) => Math.floor(v * 256));
      const planar = new Float32Array(3 * w * h);
      for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) planar[c * w * h + i] = bytes[i * 3 + c] / 255;
      const f = (await floatSession.run({ image: { type: 'float32', data: planar, dims: [1, 3, h, w] } })).upscaled;
      const b = (await byteSession.run({ image: { type: 'uint8', data: bytes, dims: [1, h, w, 3] } })).upscaled;
      assert.deepEqual(b.dims, [1, 2 * h, 2 * w, 3]);
      assert.equal(b.type, 'uint8');
      const W = 2 * w;
      const H = 2 * h;
      let worst = 0;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          for (let c = 0; c < 3; c++) {
            const expected = Math.round((f.data[c * W * H + y * W + x] as number) * 255);
            worst = Math.max(worst, Math.abs(expected - (b.data[(y * W + x) * 3 + c] as number)));
          }
        }
      }
      assert.ok(worst <= 1, `${w}×${h}: uint8 output differs by ${worst}`);
    }
  } finally {
    await floatSession.dispose();
    await byteSession.dispose();
  }
});

test('malformed weights are refused with MODEL_INVALID', () => {
  const hasCode = (e: unknown) => (e as { code?: string }).code === 'MODEL_INVALID';
  assert.throws(() => parseAnime4kWeights(null), hasCode);
  assert.throws(() => parseAnime4kWeights({ name: 'anime4k/cnn-2x-x', layers: {} }), hasCode);
  assert.throws(() => parseAnime4kWeights({ name: 'anime4k/cnn-2x-s', layers: {} }), hasCode);
  const json = structuredClone(loadAnime4kWeightsJson('s')) as { layers: Record<string, { weights: number[] }> };
  json.layers.conv2d_1_tf.weights = json.layers.conv2d_1_tf.weights.slice(0, 100);
  assert.throws(() => parseAnime4kWeights(json), hasCode);
});

test('network cost figures are as published for the three sizes', () => {
  const macs = ANIME4K_VARIANTS.map((v) => parseAnime4kWeights(loadAnime4kWeightsJson(v)).macsPerPixel);
  // S: 3·4·9 + 2·8·4·9 + 8·4·9; M: 108 + 6·288 + 56·12; L: 3·8·9 + 6·16·8·9 + 112·12
  assert.deepEqual(macs, [108 + 576 + 288, 108 + 1728 + 672, 216 + 6912 + 1344]);
});
