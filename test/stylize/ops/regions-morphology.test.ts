import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dilate, erode, majorityFilter } from '../../../src/stylize/ops/morphology.js';
import { connectedRegions, maskComponents } from '../../../src/stylize/ops/regions.js';

test('connected regions split equal labels that do not touch', () => {
  // 0 0 1 0 0 / 0 0 1 0 0: the 1-column splits the zeros into two regions.
  const labels = new Uint8Array([0, 0, 1, 0, 0, 0, 0, 1, 0, 0]);
  const r = connectedRegions(labels, 5, 2);
  assert.equal(r.count, 3);
  assert.equal(r.ids[0], r.ids[6]);
  assert.notEqual(r.ids[0], r.ids[3]);
});

test('mask components report sizes and whether they touch the border', () => {
  const m = new Uint8Array(36);
  m[14] = 1;
  m[15] = 1;
  m[0] = 1;
  const c = maskComponents(m, 6, 6, 0);
  assert.deepEqual([...c.sizes].sort(), [1, 2]);
  assert.equal(c.touchesBorder[c.ids[0]], true);
  assert.equal(c.touchesBorder[c.ids[14]], false);
});

test('dilate and erode grow and shrink, inside a region of interest only', () => {
  const w = 9;
  const src = new Float32Array(w * w);
  src[4 * w + 4] = 1;
  const d = dilate(src, w, w, 1);
  assert.equal(d.reduce((p, q) => p + q, 0), 9);
  assert.equal(erode(d, w, w, 1).reduce((p, q) => p + q, 0), 1);
  const part = dilate(src, w, w, 1, { x0: 0, y0: 0, x1: 4, y1: 8 });
  assert.equal(part[4 * w + 5], 0, 'outside the ROI untouched');
  assert.equal(part[4 * w + 3], 1);
});

test('majority filter removes single-pixel speckle but keeps solid areas', () => {
  const w = 7;
  const labels = new Uint8Array(w * w);
  for (let y = 0; y < w; y++) for (let x = 4; x < w; x++) labels[y * w + x] = 2;
  labels[3 * w + 1] = 5;
  const out = majorityFilter(labels, w, w, 1);
  assert.equal(out[3 * w + 1], 0);
  assert.equal(out[3 * w + 5], 2);
  assert.equal(out[3 * w + 2], 0);
});
