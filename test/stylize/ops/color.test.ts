import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deltaE76, itaOf, labToRgb, labToRgbPixel, meanLab, rgbToLab, rgbToLabPixel } from '../../../src/stylize/ops/color.js';

test('known sRGB colours map to their CIELAB (D65) values', () => {
  const px: [number, number, number] = [0, 0, 0];
  const near = (got: readonly number[], want: readonly number[]) => assert.ok(deltaE76(got, want) < 0.2, `${got} vs ${want}`);
  near(rgbToLabPixel(255, 255, 255, px), [100, 0, 0]);
  near(rgbToLabPixel(0, 0, 0, px), [0, 0, 0]);
  near(rgbToLabPixel(255, 0, 0, px), [53.24, 80.09, 67.2]);
  near(rgbToLabPixel(0, 0, 255, px), [32.3, 79.19, -107.86]);
  near(rgbToLabPixel(128, 128, 128, px), [53.59, 0, 0]);
});

test('sRGB -> Lab -> sRGB round-trips every 8-bit level within one step', () => {
  const data = new Uint8Array(256 * 3 * 3);
  for (let v = 0; v < 256; v++) {
    data.set([v, v, v], v * 3);
    data.set([v, 255 - v, (v * 7) & 255], (256 + v) * 3);
    data.set([(v * 3) & 255, v, 200], (512 + v) * 3);
  }
  const img = { width: 256, height: 3, data };
  const back = labToRgb(rgbToLab(img));
  for (let i = 0; i < data.length; i++) assert.ok(Math.abs(back.data[i] - data[i]) <= 1, `channel ${i}: ${data[i]} -> ${back.data[i]}`);
});

test('out-of-gamut Lab clips instead of wrapping', () => {
  const px: [number, number, number] = [0, 0, 0];
  assert.deepEqual(labToRgbPixel(120, 0, 0, px), [255, 255, 255]);
  assert.deepEqual(labToRgbPixel(-5, 0, 0, px), [0, 0, 0]);
  const red = labToRgbPixel(50, 150, 100, px);
  assert.ok(red[0] === 255 && red[1] === 0);
});

test('ITA: higher for lighter skin, around 0 near L 50', () => {
  assert.ok(itaOf(80, 15) > 55);
  assert.ok(itaOf(30, 15) < -30);
  assert.ok(Math.abs(itaOf(50, 15)) < 1e-9);
});

test('meanLab weights pixels and returns null for an empty weight', () => {
  const img = rgbToLab({ width: 2, height: 1, data: new Uint8Array([255, 255, 255, 0, 0, 0]) });
  const m = meanLab(img, new Float32Array([3, 1])) as number[];
  assert.ok(Math.abs(m[0] - 75) < 0.01);
  assert.equal(meanLab(img, new Float32Array([0, 0])), null);
});
