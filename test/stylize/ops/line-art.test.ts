import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskOutline, removeSpeckle, thickenLines, xdogLines } from '../../../src/stylize/ops/line-art.js';

const OPTIONS = { sigma: 0.9, k: 1.6, tau: 0.985, epsilon: -0.004, phi: 60, minComponent: 10 };

test('XDoG inks the dark side of a strong edge and nothing in flat areas', () => {
  const w = 40;
  const h = 30;
  const l = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) l[y * w + x] = x < 20 ? 25 : 80;
  const ink = xdogLines(l, w, h, OPTIONS);
  for (let y = 3; y < h - 3; y++) {
    const row = Array.from(ink.subarray(y * w + 16, y * w + 24));
    assert.ok(Math.max(...row) > 0.8, `row ${y} inked`);
    assert.ok(ink[y * w + 5] < 0.05 && ink[y * w + 34] < 0.05, 'flat areas clean');
  }
});

test('speckle removal drops small strokes and keeps long ones', () => {
  const w = 30;
  const ink = new Float32Array(w * w);
  ink[5 * w + 5] = 1; // a dot
  for (let x = 2; x < 28; x++) ink[20 * w + x] = 1; // a line
  const out = removeSpeckle(ink, w, w, 8);
  assert.equal(out[5 * w + 5], 0);
  assert.equal(out[20 * w + 10], 1);
});

test('thickening only where weighted; mask outline follows the mask edge', () => {
  const w = 20;
  const ink = new Float32Array(w * w);
  for (let x = 0; x < w; x++) ink[10 * w + x] = 1;
  const weight = new Float32Array(w * w);
  for (let y = 0; y < w; y++) for (let x = 0; x < 10; x++) weight[y * w + x] = 1;
  const out = thickenLines(ink, w, w, weight);
  assert.equal(out[11 * w + 3], 1);
  assert.equal(out[11 * w + 15], 0);
  const mask = new Float32Array(w * w);
  for (let y = 0; y < w; y++) for (let x = 8; x < w; x++) mask[y * w + x] = 1;
  const o = maskOutline(mask, w, w);
  assert.ok(o[10 * w + 8] > 0.9 && o[10 * w + 2] === 0 && o[10 * w + 15] === 0);
});
