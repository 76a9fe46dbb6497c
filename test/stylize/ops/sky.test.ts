import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cloneLab, rgbToLab } from '../../../src/stylize/ops/color.js';
import { ANIME_BLUE_SKY, detectSky, renderSky } from '../../../src/stylize/ops/sky.js';
import { mulberry32 } from '../../../src/stylize/ops/noise.js';
import { landscape } from '../synthetic.js';

test('a blue, smooth area connected to the top is sky; textured ground is not', () => {
  const img = landscape();
  const sky = detectSky(rgbToLab(img));
  const at = (x: number, y: number) => sky[y * img.width + x];
  assert.equal(at(40, 10), 255);
  assert.equal(at(40, 55), 255);
  assert.equal(at(170, 30), 255, 'the enclosed cloud is filled in');
  assert.equal(at(40, 140), 0);
});

test('a warm grey studio backdrop and a photo without a top-connected smooth area have no sky', () => {
  const w = 120;
  const h = 90;
  const data = new Uint8Array(w * h * 3);
  const rand = mulberry32(2);
  for (let i = 0; i < w * h; i++) {
    const v = 190 + (rand() - 0.5) * 4;
    data.set([v + 6, v, v - 8], i * 3);
  }
  assert.ok(detectSky(rgbToLab({ width: w, height: h, data })).every((v) => v === 0), 'backdrop');
  const noisy = new Uint8Array(w * h * 3);
  for (let i = 0; i < noisy.length; i++) noisy[i] = Math.floor(rand() * 255);
  assert.ok(detectSky(rgbToLab({ width: w, height: h, data: noisy })).every((v) => v === 0), 'texture');
});

test('people are never sky', () => {
  const img = landscape();
  const exclude = new Float32Array(img.width * img.height);
  for (let y = 0; y < 60; y++) for (let x = 0; x < 30; x++) exclude[y * img.width + x] = 1;
  const sky = detectSky(rgbToLab(img), exclude);
  assert.equal(sky[20 * img.width + 10], 0);
  assert.equal(sky[20 * img.width + 60], 255);
});

test('the repainted sky is a smooth gradient, darker and bluer at the top, with the cloud kept white', () => {
  const img = landscape();
  const photo = rgbToLab(img);
  const mask = detectSky(photo);
  const soft = Float32Array.from(mask, (v) => v / 255);
  const out = cloneLab(photo);
  renderSky(out, photo, soft, { palette: ANIME_BLUE_SKY, strength: 1, clouds: 1, paletteMix: 0.35, chroma: 1.3 });
  const w = img.width;
  assert.ok(out.l[2 * w + 40] < out.l[60 * w + 40], 'lighter toward the horizon');
  assert.ok(out.b[2 * w + 40] < -20, 'blue at the top');
  assert.ok(out.l[30 * w + 170] > 90, 'cloud stays white');
  assert.equal(out.l[140 * w + 40], photo.l[140 * w + 40], 'ground untouched');
});

test('a pale neutral backdrop around a large person is not an overcast sky; the same top without the person is', () => {
  const w = 120;
  const h = 90;
  const data = new Uint8Array(w * h * 3);
  const rand = mulberry32(3);
  // Bright neutral grey everywhere (an overcast sky would look just like this at the top).
  for (let i = 0; i < w * h; i++) {
    const v = 222 + (rand() - 0.5) * 3;
    data.set([v, v, v + 1], i * 3);
  }
  const lab = rgbToLab({ width: w, height: h, data });
  // Ground in the lower third, so the open scene has a horizon.
  const ground = cloneLab(lab);
  for (let y = 60; y < h; y++) for (let x = 0; x < w; x++) ground.l[y * w + x] = 35 + ((x * 7 + y * 13) % 9) * 3;
  assert.ok(detectSky(ground).some((v) => v > 0), 'open scene with a horizon: overcast sky');
  // A person filling the middle of a studio shot: the grey runs down beside them to the bottom.
  const person = new Float32Array(w * h);
  for (let y = 20; y < h; y++) for (let x = 35; x < 85; x++) person[y * w + x] = 1;
  assert.ok(detectSky(lab, person).every((v) => v === 0), 'studio backdrop');
});
