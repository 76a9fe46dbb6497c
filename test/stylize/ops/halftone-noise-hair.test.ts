import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLabImage } from '../../../src/stylize/ops/color.js';
import { angelRing, findHair } from '../../../src/stylize/ops/hair.js';
import { adaptiveLevels, screentone, skinTone, washTone } from '../../../src/stylize/ops/halftone.js';
import { deriveSeed, fractalNoise, mulberry32, whiteNoise } from '../../../src/stylize/ops/noise.js';

test('screentone: white paper, more ink for darker tones, solid black at the bottom', () => {
  const w = 40;
  const ink = (l: number) => {
    const out = screentone(new Float32Array(w * w).fill(l), w, w, 5);
    return out.reduce((p, v) => p + (100 - v) / 94, 0) / (w * w);
  };
  assert.equal(ink(90), 0);
  assert.ok(ink(60) > 0.05 && ink(60) < ink(45));
  assert.ok(ink(45) < ink(30));
  assert.ok(ink(10) > 0.99);
  const levels = adaptiveLevels(Float32Array.from({ length: 1000 }, (_, i) => i / 10));
  assert.ok(levels.white > levels.light && levels.light > levels.dark && levels.dark > levels.black);
});

test('seeded noise is reproducible and differs between seeds', () => {
  const a = mulberry32(5);
  const b = mulberry32(5);
  for (let i = 0; i < 10; i++) {
    const v = a();
    assert.equal(v, b());
    assert.ok(v >= 0 && v < 1);
  }
  assert.notEqual(deriveSeed(1, 2), deriveSeed(1, 3));
  assert.deepEqual(whiteNoise(8, 8, 3), whiteNoise(8, 8, 3));
  assert.notDeepEqual(fractalNoise(16, 16, 3, 8, 2), fractalNoise(16, 16, 4, 8, 2));
  const f = fractalNoise(64, 64, 1, 16, 3);
  assert.ok(f.every((v) => v >= -1 && v <= 1));
});

test('dark hair above a face is found and gets an angel ring on top of the head only', () => {
  const w = 120;
  const h = 120;
  const lab = createLabImage(w, h);
  const face = { x: 40, y: 45, width: 40, height: 50 };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const inHead = ((x - 60) / 34) ** 2 + ((y - 62) / 48) ** 2 < 1;
      lab.l[i] = inHead ? 22 : 85;
      lab.a[i] = inHead ? 4 : 0;
      lab.b[i] = inHead ? 8 : 2;
    }
  }
  const skin = new Float32Array(w * h);
  for (let y = 45; y < 95; y++) for (let x = 40; x < 80; x++) skin[y * w + x] = 1;
  const person = new Float32Array(w * h).fill(1);
  const hair = findHair(lab, face, skin, person, false);
  assert.ok(hair, 'hair found');
  assert.ok(hair.mask[30 * w + 60] > 0.9, 'above the face is hair');
  assert.ok(hair.mask[5 * w + 5] < 0.1, 'the wall is not hair');
  const ring = angelRing(hair, face, w, h);
  assert.ok(ring);
  let top = 0;
  let low = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) (y < 45 ? (top += ring[y * w + x]) : (low += ring[y * w + x]));
  assert.ok(top > 10 && low < top * 0.2, `ring sits above the face (${top.toFixed(1)} vs ${low.toFixed(1)})`);
});

test('skin in a screentone is a smooth wash by absolute lightness, darker skin a deeper grey', () => {
  const w = 30;
  const wash = new Float32Array(w * w).fill(1);
  for (const l of [30, 55, 75]) {
    const out = screentone(new Float32Array(w * w).fill(l), w, w, 4, undefined, undefined, wash);
    assert.ok(out.every((v) => v === out[0]), `L ${l}: no dots on skin`);
    assert.ok(Math.abs(out[0] - skinTone(l)) < 1e-4);
  }
  assert.ok(skinTone(30) < skinTone(55) && skinTone(55) < skinTone(75));
  assert.ok(skinTone(20) > 40, 'nobody goes black');
  assert.equal(skinTone(90), 100, 'very light skin is paper');
  // Half weight: halfway between the dots and the wash, on average.
  const half = screentone(new Float32Array(w * w).fill(55), w, w, 4, undefined, undefined, new Float32Array(w * w).fill(0.5));
  const dots = screentone(new Float32Array(w * w).fill(55), w, w, 4);
  const mean = (p: Float32Array) => p.reduce((a, v) => a + v, 0) / p.length;
  assert.ok(Math.abs(mean(half) - (mean(dots) + skinTone(55)) / 2) < 0.5);
});

test('the wash tone falls steadily from paper to near black', () => {
  let prev = Infinity;
  for (let l = 100; l >= 0; l -= 5) {
    const v = washTone(l);
    assert.ok(v <= prev, `monotonic at ${l}`);
    prev = v;
  }
  assert.equal(washTone(95), 100);
  assert.ok(washTone(0) <= 6 && washTone(5) < 20, 'near black at the bottom');
});

test('no angel ring when the hair above the face is only a thin line (it would read as a headband)', () => {
  const w = 120;
  const h = 120;
  const lab = createLabImage(w, h);
  const face = { x: 40, y: 45, width: 40, height: 50 };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      // Hair only from 4 px above the face (cropped short, or a mask that cut the rest off).
      const hairBand = y >= 41 && y < 60 && ((x - 60) / 30) ** 2 + ((y - 62) / 30) ** 2 < 1;
      lab.l[i] = hairBand ? 22 : 85;
      lab.a[i] = hairBand ? 4 : 0;
      lab.b[i] = hairBand ? 8 : 2;
    }
  }
  const skin = new Float32Array(w * h);
  for (let y = 50; y < 95; y++) for (let x = 40; x < 80; x++) skin[y * w + x] = 1;
  const hair = findHair(lab, face, skin, new Float32Array(w * h).fill(1), false);
  if (hair) assert.equal(angelRing(hair, face, w, h), null);
});
