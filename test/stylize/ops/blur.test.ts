import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxBlur, boxBlurGaussian, featherMask, gaussianBlur } from '../../../src/stylize/ops/blur.js';

function impulse(w: number, h: number): Float32Array {
  const p = new Float32Array(w * h);
  p[(h >> 1) * w + (w >> 1)] = 100;
  return p;
}

test('gaussian blur keeps a constant plane constant and spreads an impulse symmetrically', () => {
  const flat = new Float32Array(40 * 30).fill(7);
  for (const v of gaussianBlur(flat, 40, 30, 2)) assert.ok(Math.abs(v - 7) < 1e-4);
  const out = gaussianBlur(impulse(41, 41), 41, 41, 2);
  const c = 20 * 41 + 20;
  assert.ok(out[c] < 100 && out[c] > 1);
  assert.ok(Math.abs(out[c - 3] - out[c + 3]) < 1e-5);
  assert.ok(Math.abs(out[c - 3 * 41] - out[c + 3]) < 1e-5, 'isotropic');
  const sum = out.reduce((p, q) => p + q, 0);
  assert.ok(Math.abs(sum - 100) < 0.01, 'mass kept away from the borders');
});

test('gaussian blur with a region of interest changes nothing outside it', () => {
  const src = new Float32Array(30 * 30);
  for (let i = 0; i < src.length; i++) src[i] = (i * 37) % 11;
  const roi = { x0: 10, y0: 10, x1: 19, y1: 19 };
  const part = gaussianBlur(src, 30, 30, 1.5, undefined, roi);
  const full = gaussianBlur(src, 30, 30, 1.5);
  for (let y = 0; y < 30; y++) {
    for (let x = 0; x < 30; x++) {
      const i = y * 30 + x;
      const inside = x >= 10 && x <= 19 && y >= 10 && y <= 19;
      assert.ok(Math.abs(part[i] - (inside ? full[i] : src[i])) < 1e-4, `${x},${y}`);
    }
  }
});

test('box blurs average their window and approximate a gaussian for large sigma', () => {
  const src = new Float32Array([0, 0, 9, 0, 0]);
  const out = boxBlur(src, 5, 1, 1);
  assert.ok(Math.abs(out[2] - 3) < 1e-5 && Math.abs(out[1] - 3) < 1e-5 && out[0] === 0);
  const big = boxBlurGaussian(impulse(81, 81), 81, 81, 6);
  const g = gaussianBlur(impulse(81, 81), 81, 81, 6);
  const c = 40 * 81 + 40;
  assert.ok(Math.abs(big[c] - g[c]) / g[c] < 0.2);
});

test('featherMask turns a 0..255 mask into a soft 0..1 plane', () => {
  const m = new Uint8Array(20 * 20);
  for (let y = 0; y < 20; y++) for (let x = 10; x < 20; x++) m[y * 20 + x] = 255;
  const f = featherMask(m, 20, 20, 1.5);
  assert.ok(f[10 * 20 + 2] < 0.01 && f[10 * 20 + 17] > 0.99);
  assert.ok(f[10 * 20 + 10] > 0.3 && f[10 * 20 + 10] < 0.8);
});
