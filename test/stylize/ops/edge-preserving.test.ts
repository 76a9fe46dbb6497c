import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLabImage } from '../../../src/stylize/ops/color.js';
import { domainTransformFilter } from '../../../src/stylize/ops/edge-preserving.js';
import { mulberry32 } from '../../../src/stylize/ops/noise.js';

test('domain transform smoothing removes texture but keeps a strong edge', () => {
  const w = 64;
  const h = 32;
  const lab = createLabImage(w, h);
  const rand = mulberry32(1);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      lab.l[i] = (x < 32 ? 30 : 70) + (rand() - 0.5) * 6;
      lab.a[i] = (rand() - 0.5) * 4;
      lab.b[i] = x < 32 ? 20 : -20;
    }
  }
  const out = domainTransformFilter(lab, { sigmaSpace: 10, sigmaRange: 8, iterations: 2 });
  const spread = (x0: number, x1: number) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let y = 4; y < h - 4; y++) for (let x = x0; x < x1; x++) {
      lo = Math.min(lo, out.l[y * w + x]);
      hi = Math.max(hi, out.l[y * w + x]);
    }
    return hi - lo;
  };
  assert.ok(spread(4, 26) < 2.5, `texture left: ${spread(4, 26)}`);
  const step = out.l[16 * w + 34] - out.l[16 * w + 29];
  assert.ok(step > 35, `edge kept: step ${step}`);
  assert.ok(out.b[16 * w + 29] > 15 && out.b[16 * w + 34] < -15, 'colour does not bleed across');
});

test('a larger range scale smooths more where asked', () => {
  const w = 40;
  const h = 10;
  const lab = createLabImage(w, h);
  for (let i = 0; i < w * h; i++) lab.l[i] = 50 + ((i % w) % 2 ? 8 : -8);
  const plain = domainTransformFilter(lab, { sigmaSpace: 6, sigmaRange: 4, iterations: 2 });
  const scale = new Float32Array(w * h).fill(4);
  const strong = domainTransformFilter(lab, { sigmaSpace: 6, sigmaRange: 4, iterations: 2, rangeScale: scale });
  const ripple = (img: typeof lab) => Math.abs(img.l[5 * w + 20] - img.l[5 * w + 21]);
  assert.ok(ripple(strong) < ripple(plain));
});
