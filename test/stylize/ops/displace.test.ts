import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLabImage } from '../../../src/stylize/ops/color.js';
import { wobble } from '../../../src/stylize/ops/displace.js';

test('wobble moves a straight border by at most its amplitude, deterministically, and not where scaled to 0', () => {
  const w = 64;
  const h = 32;
  const lab = createLabImage(w, h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) lab.l[y * w + x] = x < 32 ? 20 : 80;
  const a = wobble(lab, 3, 8, 42);
  assert.deepEqual(a.l, wobble(lab, 3, 8, 42).l);
  let moved = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = a.l[y * w + x];
      if (x < 28) assert.ok(Math.abs(v - 20) < 1e-3, 'far left untouched');
      if (x > 35) assert.ok(Math.abs(v - 80) < 1e-3, 'far right untouched');
      if (Math.abs(v - lab.l[y * w + x]) > 1) moved++;
    }
  }
  assert.ok(moved > 0, 'the border wanders');
  const still = wobble(lab, 3, 8, 42, new Float32Array(w * h));
  assert.deepEqual(still.l, lab.l);
});
