import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLabImage } from '../../../src/stylize/ops/color.js';
import { restoreMean, sampleSkin, select, skinLikelihood, trimmedMeanLab } from '../../../src/stylize/ops/skin.js';
import { mulberry32 } from '../../../src/stylize/ops/noise.js';

test('the skin sample ignores outliers such as eyes and shine', () => {
  const lab = createLabImage(10, 10);
  const where = new Uint8Array(100).fill(1);
  for (let i = 0; i < 100; i++) {
    lab.l[i] = 35;
    lab.a[i] = 14;
    lab.b[i] = 18;
  }
  for (let i = 0; i < 8; i++) {
    lab.l[i] = 5; // dark eye pixels
    lab.l[50 + i] = 95; // specular shine
    lab.a[50 + i] = 0;
  }
  const s = sampleSkin(lab, where);
  assert.ok(s);
  assert.ok(Math.abs(s.lab[0] - 35) < 0.01 && Math.abs(s.lab[1] - 14) < 0.01);
});

test('skin likelihood follows the sampled skin, dark or light, and rejects other colours', () => {
  for (const skin of [
    [30, 12, 16],
    [80, 8, 16],
  ] as const) {
    const lab = createLabImage(4, 1);
    const colours = [skin, [skin[0] - 12, skin[1], skin[2]], [skin[0], -20, 30], [skin[0], 2, -30]];
    colours.forEach((c, i) => {
      lab.l[i] = c[0];
      lab.a[i] = c[1];
      lab.b[i] = c[2];
    });
    const out = new Float32Array(4);
    skinLikelihood(lab, { lab: [skin[0], skin[1], skin[2]], spreadL: 4, count: 100 }, { x0: 0, y0: 0, x1: 3, y1: 0 }, out);
    assert.ok(out[0] > 0.99 && out[1] > 0.9, `skin and its shadow (${out[0]}, ${out[1]})`);
    assert.ok(out[2] === 0 && out[3] === 0, 'green and blue are not skin');
  }
});

test('restoreMean brings the trimmed mean back to the target exactly', () => {
  const lab = createLabImage(20, 1);
  const measure = new Float32Array(20);
  const apply = new Float32Array(20);
  for (let i = 0; i < 20; i++) {
    lab.l[i] = 40 + i;
    lab.a[i] = 10;
    lab.b[i] = 12;
    measure[i] = i < 16 ? 1 : 0;
    apply[i] = 0.6;
  }
  restoreMean(lab, [52, 11, 15], measure, apply, 0.15);
  const got = trimmedMeanLab(lab, measure, 0.15) as number[];
  assert.ok(Math.abs(got[0] - 52) < 0.06 && Math.abs(got[1] - 11) < 0.06 && Math.abs(got[2] - 15) < 0.06, `${got}`);
  assert.ok(Math.abs(lab.l[18] - 58 - (52 - 47.5) * 0.6) < 0.5, 'unmeasured pixels move by their weight');
});

test('the trimmed mean keeps exactly the pixels a sort by lightness would keep', () => {
  const rand = mulberry32(9);
  for (const [count, trim] of [
    [1, 0.15],
    [37, 0.15],
    [500, 0.3],
    [2000, 0],
  ] as const) {
    const lab = createLabImage(count, 1);
    const mask = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      // Many ties (quantised lightness) so the cut falls inside runs of equal values.
      lab.l[i] = Math.round(rand() * 40) * 2.5;
      lab.a[i] = rand() * 30 - 10;
      lab.b[i] = rand() * 30;
      mask[i] = rand() < 0.8 ? 1 : 0.2;
    }
    const idx = [...mask.keys()].filter((i) => mask[i] > 0.5).sort((p, q) => lab.l[p] - lab.l[q]);
    const drop = Math.floor(idx.length * trim);
    const kept = idx.slice(drop, idx.length - drop);
    const got = trimmedMeanLab(lab, mask, trim);
    if (!kept.length) {
      assert.equal(got, null);
      continue;
    }
    assert.ok(got);
    const mean = (plane: Float32Array) => kept.reduce((s, i) => s + plane[i], 0) / kept.length;
    assert.ok(Math.abs(got[0] - mean(lab.l)) < 1e-6 && Math.abs(got[1] - mean(lab.a)) < 1e-6 && Math.abs(got[2] - mean(lab.b)) < 1e-6, `${count} px, trim ${trim}`);
  }
});

test('select finds the k-th smallest value like a sort does', () => {
  const rand = mulberry32(4);
  for (let t = 0; t < 200; t++) {
    const v = Float32Array.from({ length: 1 + Math.floor(rand() * 60) }, () => Math.round(rand() * 12));
    const k = Math.floor(rand() * v.length);
    const sorted = [...v].sort((p, q) => p - q);
    assert.equal(select(v.slice(), k), sorted[k]);
  }
});
