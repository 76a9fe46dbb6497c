import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMask, createRgbImage, type Mask, type RgbImage } from '../../src/core/raster.js';
import { coverCrop, coverRgb, RESAMPLE_FILTERS, resampleMask, resampleRgb, shrinkToFit, type ResampleFilter } from '../../src/core/resample.js';

function noise(width: number, height: number, seed = 1): RgbImage {
  const image = createRgbImage(width, height);
  let s = seed;
  for (let i = 0; i < image.data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    image.data[i] = s >>> 24;
  }
  return image;
}

/** A w×1 image whose pixel x is grey values[x]. */
function greyRow(values: number[]): RgbImage {
  return { width: values.length, height: 1, data: Uint8Array.from(values.flatMap((v) => [v, v, v])) };
}

const red = (image: RgbImage): number[] => Array.from({ length: image.width * image.height }, (_, i) => image.data[i * 3]);

const SIZES = [[1, 1], [2, 3], [7, 5], [100, 77], [333, 1000], [700, 901]] as const;

test('every filter gives exactly the requested size, up and down, at odd sizes', () => {
  const src = noise(33, 17);
  for (const filter of RESAMPLE_FILTERS) {
    for (const [w, h] of SIZES) {
      const out = resampleRgb(src, w, h, { filter });
      assert.equal(out.width, w);
      assert.equal(out.height, h);
      assert.equal(out.data.length, w * h * 3, `${filter} ${w}x${h}`);
      const mask = resampleMask({ width: 33, height: 17, data: src.data.subarray(0, 33 * 17) }, w, h, { filter });
      assert.equal(mask.data.length, w * h, `${filter} mask ${w}x${h}`);
    }
  }
});

test('same size is an exact copy, not an alias', () => {
  const src = noise(33, 17);
  for (const filter of RESAMPLE_FILTERS) {
    const out = resampleRgb(src, 33, 17, { filter });
    assert.deepEqual(out.data, src.data);
    assert.notEqual(out.data, src.data);
  }
});

test('a flat colour stays exactly flat with every filter, up and down, at odd sizes', () => {
  const src = createRgbImage(333, 517, [37, 150, 222]);
  for (const filter of RESAMPLE_FILTERS) {
    for (const [w, h] of SIZES) {
      const out = resampleRgb(src, w, h, { filter });
      for (let i = 0; i < out.data.length; i += 3) {
        assert.deepEqual([out.data[i], out.data[i + 1], out.data[i + 2]], [37, 150, 222], `${filter} ${w}x${h} pixel ${i / 3}`);
      }
    }
  }
});

test('area downscaling averages a known pattern exactly', () => {
  // 4×4 made of uniform 2×2 blocks → each output pixel is its block.
  const src = createRgbImage(4, 4);
  const blocks = [10, 80, 160, 240];
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 4; x++) src.data.fill(blocks[(y >> 1) * 2 + (x >> 1)], (y * 4 + x) * 3, (y * 4 + x) * 3 + 3);
  }
  for (const filter of ['auto', 'area'] as const) {
    assert.deepEqual(Array.from(resampleRgb(src, 2, 2, { filter }).data), blocks.flatMap((v) => [v, v, v]));
  }

  // Two pixels 0 and 255 into one: the mean, 127.5, rounds to 128.
  assert.deepEqual(red(resampleRgb(greyRow([0, 255]), 1, 1, { filter: 'area' })), [128]);

  // Fractional footprint (3 → 2): output 0 = (a + b/2) / 1.5, output 1 = (b/2 + c) / 1.5.
  assert.deepEqual(red(resampleRgb(greyRow([0, 90, 180]), 2, 1, { filter: 'area' })), [30, 150]);

  // 5 → 2: every source pixel counts, the middle one half to each side (integer spans would give it to one side).
  assert.deepEqual(red(resampleRgb(greyRow([0, 0, 250, 100, 100]), 2, 1, { filter: 'area' })), [50, 130]);
});

test('shrinking does not alias a one-pixel stripe pattern, whatever the filter', () => {
  // One lit pixel in four, 64 → 16: the true mean is 63.75; a plain 2-tap sample would read 0 everywhere.
  const stripes = greyRow(Array.from({ length: 64 }, (_, x) => (x % 4 === 0 ? 255 : 0)));
  for (const filter of RESAMPLE_FILTERS) {
    const out = red(resampleRgb(stripes, 16, 1, { filter }));
    // The end pixels see a kernel cut by the border, so only box filters are exact there.
    const checked = filter === 'area' || filter === 'auto' ? out : out.slice(1, -1);
    for (const v of checked) assert.ok(Math.abs(v - 64) <= 2, `${filter}: ${out.join(',')}`);
  }
});

test('upscaling keeps a ramp monotonic; only Catmull-Rom overshoots, a little, clamped into bytes', () => {
  const ramp = createRgbImage(8, 1);
  for (let x = 0; x < 8; x++) ramp.data.fill(x * 30, x * 3, x * 3 + 3);
  for (const filter of RESAMPLE_FILTERS) {
    const out = resampleRgb(ramp, 50, 3, { filter });
    for (let y = 0; y < 3; y++) {
      for (let x = 1; x < 50; x++) assert.ok(out.data[(y * 50 + x) * 3] >= out.data[(y * 50 + x - 1) * 3], `${filter} x=${x}`);
    }
    assert.ok(Math.min(...out.data) <= 2 && Math.max(...out.data) >= 208 && Math.max(...out.data) <= 215, filter);
  }

  // A step 60 → 200: bilinear and area stay within the two levels; Catmull-Rom rings a little past both.
  const step = greyRow([60, 60, 60, 200, 200, 200]);
  for (const filter of ['bilinear', 'area'] as const) {
    const out = red(resampleRgb(step, 37, 1, { filter }));
    assert.ok(Math.min(...out) === 60 && Math.max(...out) === 200, `${filter}: ${out.join(',')}`);
  }
  const cubic = red(resampleRgb(step, 37, 1, { filter: 'catmull-rom' }));
  assert.ok(Math.min(...cubic) < 60 && Math.min(...cubic) >= 50 && Math.max(...cubic) > 200 && Math.max(...cubic) <= 210, cubic.join(','));

  // A black/white step rings past 0 and 255: clamped, not wrapped around.
  const big = red(resampleRgb(greyRow([0, 0, 255, 255]), 40, 1));
  big.forEach((v, x) => {
    if (x < 15) assert.ok(v <= 40, `dark side ${x}: ${v}`);
    if (x >= 25) assert.ok(v >= 215, `light side ${x}: ${v}`);
  });
});

test('bilinear upscale interpolates between pixel centres and repeats the edges', () => {
  // 2 → 4: centres of the outputs sit at source x = -0.25, 0.25, 0.75, 1.25.
  assert.deepEqual(red(resampleRgb(greyRow([0, 200]), 4, 1, { filter: 'bilinear' })), [0, 50, 150, 200]);
  const m = resampleMask({ width: 2, height: 2, data: Uint8Array.from([0, 255, 0, 255]) }, 4, 4, { filter: 'bilinear' });
  assert.deepEqual(Array.from(m.data.subarray(0, 4)), [0, 64, 191, 255]);
  assert.deepEqual(Array.from(m.data.subarray(12, 16)), [0, 64, 191, 255]);
});

test('masks: area averaging down, values stay in range, empty masks stay empty', () => {
  const mask = createMask(4, 2);
  mask.data.set([255, 255, 0, 0, 255, 255, 0, 0]);
  assert.deepEqual(Array.from(resampleMask(mask, 2, 1).data), [255, 0]);
  assert.deepEqual(Array.from(resampleMask(mask, 1, 1).data), [128]);
  assert.deepEqual(Array.from(resampleMask(createMask(0, 8), 3, 2).data), [0, 0, 0, 0, 0, 0]);

  // A hard-edged disc: every filter keeps 0 outside, 255 at the centre, and only in-range bytes between.
  const disc: Mask = createMask(21, 21);
  for (let y = 0; y < 21; y++) for (let x = 0; x < 21; x++) disc.data[y * 21 + x] = (x - 10) ** 2 + (y - 10) ** 2 <= 36 ? 255 : 0;
  for (const filter of RESAMPLE_FILTERS) {
    for (const [w, h] of [[63, 63], [10, 10], [37, 8]] as const) {
      const out = resampleMask(disc, w, h, { filter });
      assert.equal(out.data[0], 0, `${filter} ${w}x${h} corner`);
      assert.equal(out.data[Math.floor(h / 2) * w + Math.floor(w / 2)], 255, `${filter} ${w}x${h} centre`);
      const mean = out.data.reduce((s, v) => s + v, 0) / out.data.length;
      const srcMean = disc.data.reduce((s, v) => s + v, 0) / disc.data.length;
      assert.ok(Math.abs(mean - srcMean) < 12, `${filter} ${w}x${h} coverage ${mean} vs ${srcMean}`);
    }
  }
});

test('cover crops the centre and never stretches', () => {
  assert.deepEqual(coverCrop({ width: 200, height: 100 }, { width: 50, height: 50 }), { x: 50, y: 0, width: 100, height: 100 });
  assert.deepEqual(coverCrop({ width: 100, height: 300 }, { width: 100, height: 100 }), { x: 0, y: 100, width: 100, height: 100 });

  // Three vertical stripes: a square cover keeps exactly the middle one, down or up.
  const src = createRgbImage(300, 100);
  for (let y = 0; y < 100; y++) {
    for (let x = 0; x < 300; x++) src.data[(y * 300 + x) * 3 + (x < 100 ? 0 : x < 200 ? 1 : 2)] = 255;
  }
  const down = coverRgb(src, 40, 40);
  assert.equal(down.data.length, 40 * 40 * 3);
  for (let i = 0; i < down.data.length; i += 3) assert.deepEqual([down.data[i], down.data[i + 1], down.data[i + 2]], [0, 255, 0], `pixel ${i / 3}`);
  // Enlarging, Catmull-Rom reads 2 source pixels past the window, so only the outer columns may tint.
  const up = coverRgb(src, 160, 160);
  for (let y = 0; y < 160; y++) {
    for (let x = 4; x < 156; x++) {
      const i = (y * 160 + x) * 3;
      assert.deepEqual([up.data[i], up.data[i + 1], up.data[i + 2]], [0, 255, 0], `up ${x},${y}`);
    }
  }
  // A crop window passed directly: the right-hand stripe only.
  const right = resampleRgb(src, 10, 10, { crop: { x: 200, y: 0, width: 100, height: 100 } });
  assert.deepEqual(Array.from(right.data.subarray(0, 3)), [0, 0, 255]);
});

test('shrinkToFit keeps the mean colour and the aspect ratio, and leaves small images alone', () => {
  const img = createRgbImage(1280, 720, [200, 100, 50]);
  const small = shrinkToFit(img, 640);
  assert.deepEqual([small.width, small.height], [640, 360]);
  assert.deepEqual([...small.data.subarray(0, 3)], [200, 100, 50]);
  assert.deepEqual([...small.data.subarray(small.data.length - 3)], [200, 100, 50]);
  assert.equal(shrinkToFit(img, 1280), img);
  assert.equal(shrinkToFit(img, 2000), img);
  const tall = shrinkToFit(createRgbImage(3, 1001), 100);
  assert.deepEqual([tall.width, tall.height], [1, 100]);
});

test('target sizes, filters and crops are validated', () => {
  assert.throws(() => resampleRgb(noise(4, 4), 0, 4), { message: 'Expected positive integer for width but received 0 of type number' });
  assert.throws(() => coverRgb(noise(4, 4), 4, 2.5), { message: 'Expected positive integer for height but received 2.5 of type number' });
  assert.throws(() => resampleMask(createMask(4, 4), 4, -1), { message: 'Expected positive integer for height but received -1 of type number' });
  assert.throws(() => resampleRgb(noise(4, 4), 2, 2, { filter: 'lanczos' as ResampleFilter }), {
    message: 'Expected one of auto, area, bilinear, catmull-rom for filter but received "lanczos" of type string',
  });
  assert.throws(() => resampleRgb(noise(4, 4), 2, 2, { crop: { x: 0, y: 0, width: 0, height: 4 } }), /for crop/);
  assert.throws(() => shrinkToFit(noise(4, 4), 0), /for maxSide/);
});
