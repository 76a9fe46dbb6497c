import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLabImage } from '../../../src/stylize/ops/color.js';
import { assignClusters, celBands, kmeansLab } from '../../../src/stylize/ops/quantize.js';
import { connectedRegions } from '../../../src/stylize/ops/regions.js';
import { mulberry32 } from '../../../src/stylize/ops/noise.js';

function twoColours() {
  const w = 40;
  const h = 20;
  const lab = createLabImage(w, h);
  const rand = mulberry32(9);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const left = x < 20;
      lab.l[i] = (left ? 40 : 75) + (rand() - 0.5) * 4;
      lab.a[i] = left ? 30 : -10;
      lab.b[i] = left ? 10 : 40;
    }
  }
  return lab;
}

test('k-means is deterministic for a seed and separates two colours', () => {
  const lab = twoColours();
  const a = kmeansLab(lab, { clusters: 2, lightnessWeight: 0.5, seed: 4 });
  const b = kmeansLab(lab, { clusters: 2, lightnessWeight: 0.5, seed: 4 });
  assert.deepEqual(a, b);
  const labels = assignClusters(lab, a, 0.5);
  assert.notEqual(labels[0], labels[39]);
  for (let y = 0; y < 20; y++) {
    assert.equal(labels[y * 40 + 3], labels[0]);
    assert.equal(labels[y * 40 + 36], labels[39]);
  }
});

test('cel bands split a shaded region into flat tones and keep its mean colour', () => {
  const w = 60;
  const h = 10;
  const lab = createLabImage(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      lab.l[i] = 40 + x * 0.6; // a smooth gradient, one material
      lab.a[i] = 15;
      lab.b[i] = 20;
    }
  }
  const regions = connectedRegions(new Uint8Array(w * h), w, h);
  assert.equal(regions.count, 1);
  const { image, bands } = celBands(lab, lab.l, regions, { shadowThreshold: 0.5, highlightThreshold: 1, minBandStep: 2, bandContrast: 1 });
  const tones = new Set(Array.from(image.l, (v) => v.toFixed(3)));
  assert.equal(tones.size, 3, 'three flat tones');
  assert.equal(bands[0], 0);
  assert.equal(bands[w - 1], 2);
  const mean = (p: Float32Array) => p.reduce((s, v) => s + v, 0) / p.length;
  assert.ok(Math.abs(mean(image.l) - mean(lab.l)) < 1e-3, 'region mean lightness kept');
  assert.ok(Math.abs(mean(image.a) - 15) < 1e-3 && Math.abs(mean(image.b) - 20) < 1e-3);
});

test('skin regions get no highlight band and need a bigger step to split', () => {
  const w = 60;
  const h = 10;
  const lab = createLabImage(w, h);
  for (let i = 0; i < w * h; i++) {
    lab.l[i] = 50 + (i % w) * 0.1; // 6 L units of gentle shading
    lab.a[i] = 12;
    lab.b[i] = 18;
  }
  const regions = connectedRegions(new Uint8Array(w * h), w, h);
  const skin = new Float32Array(w * h).fill(1);
  const { bands } = celBands(lab, lab.l, regions, { shadowThreshold: 0.5, highlightThreshold: 1, minBandStep: 1, bandContrast: 1, skin, skinMinBandStep: 8 });
  assert.ok(bands.every((b) => b === 1), 'gentle shading on skin stays one tone');
});
