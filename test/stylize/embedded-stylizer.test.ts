import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { RgbImage } from '../../src/core/raster.js';
import { EMBEDDED_STYLES, emptyAnalysis, type FaceLandmarks, type ProgressEvent } from '../../src/core/types.js';
import { AnimeMeError } from '../../src/errors.js';
import { createEmbeddedStylizer } from '../../src/stylize/index.js';
import { itaOf, rgbToLab } from '../../src/stylize/ops/color.js';
import { fillPolygon, scalePolygon } from '../../src/stylize/ops/draw.js';
import { landscape, portrait } from './synthetic.js';

const stylizer = createEmbeddedStylizer({ yieldBetweenSteps: false });

function meanAbsDiff(a: RgbImage, b: RgbImage): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs(a.data[i] - b.data[i]);
  return s / a.data.length;
}

/** Share of pixels covered by the image's 16 most frequent colours (after 5-bit-per-channel binning). */
function topColourCoverage(img: RgbImage, k = 16): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < img.data.length; i += 3) {
    const key = ((img.data[i] >> 3) << 10) | ((img.data[i + 1] >> 3) << 5) | (img.data[i + 2] >> 3);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const top = [...counts.values()].sort((p, q) => q - p).slice(0, k);
  return top.reduce((p, q) => p + q, 0) / (img.width * img.height);
}

/** Mean Lab of face skin: oval minus grown features, trimmed 15 % by lightness (as a skin check would). */
function faceSkinLab(img: RgbImage, lm: FaceLandmarks): [number, number, number] {
  const n = img.width * img.height;
  const oval = new Float32Array(n);
  fillPolygon(oval, img.width, img.height, lm.faceOval);
  const cut = new Float32Array(n);
  for (const poly of [lm.leftEye, lm.rightEye, lm.leftEyebrow, lm.rightEyebrow, lm.lips]) fillPolygon(cut, img.width, img.height, scalePolygon(poly, 1.35));
  const lab = rgbToLab(img);
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (oval[i] > 0.99 && cut[i] === 0) idx.push(i);
  idx.sort((p, q) => lab.l[p] - lab.l[q]);
  const drop = Math.floor(idx.length * 0.15);
  const kept = idx.slice(drop, idx.length - drop);
  const m: [number, number, number] = [0, 0, 0];
  for (const i of kept) {
    m[0] += lab.l[i];
    m[1] += lab.a[i];
    m[2] += lab.b[i];
  }
  return [m[0] / kept.length, m[1] / kept.length, m[2] / kept.length];
}

test('same input, style and seed give identical bytes', async () => {
  const { image, analysis } = portrait([200, 150, 120]);
  for (const style of EMBEDDED_STYLES) {
    const a = await stylizer.stylize({ image, analysis, style, seed: 11 });
    const b = await stylizer.stylize({ image, analysis, style, seed: 11 });
    assert.deepEqual(a.data, b.data, style);
  }
});

test('a different seed changes the seeded textures of the grainy styles only slightly', async () => {
  const { image, analysis } = portrait([200, 150, 120]);
  const a = await stylizer.stylize({ image, analysis, style: 'soft-watercolor', seed: 1 });
  const b = await stylizer.stylize({ image, analysis, style: 'soft-watercolor', seed: 2 });
  const d = meanAbsDiff(a, b);
  assert.ok(d > 0, 'seed should matter for paper and grain');
  assert.ok(d < 12, `seed should not change the picture, mean diff ${d}`);
});

test('output has the input size and every style differs from the input and from each other', async () => {
  const { image, analysis } = portrait([220, 180, 150]);
  const outs: RgbImage[] = [];
  for (const style of EMBEDDED_STYLES) {
    const out = await stylizer.stylize({ image, analysis, style, seed: 5 });
    assert.equal(out.width, image.width);
    assert.equal(out.height, image.height);
    assert.equal(out.data.length, image.data.length);
    assert.ok(meanAbsDiff(out, image) > 3, `${style} should change the photo`);
    outs.push(out);
  }
  for (let i = 0; i < outs.length; i++) {
    for (let j = i + 1; j < outs.length; j++) {
      const d = meanAbsDiff(outs[i], outs[j]);
      assert.ok(d > 4, `${EMBEDDED_STYLES[i]} vs ${EMBEDDED_STYLES[j]} differ by only ${d.toFixed(2)}`);
    }
  }
});

test('manga-ink is black and white; the colour styles keep colour', async () => {
  const { image, analysis } = portrait([200, 150, 120]);
  const manga = await stylizer.stylize({ image, analysis, style: 'manga-ink', seed: 1 });
  let maxSpread = 0;
  for (let i = 0; i < manga.data.length; i += 3) {
    const s = Math.max(manga.data[i], manga.data[i + 1], manga.data[i + 2]) - Math.min(manga.data[i], manga.data[i + 1], manga.data[i + 2]);
    if (s > maxSpread) maxSpread = s;
  }
  assert.ok(maxSpread <= 2, `manga pixels should be grey, max channel spread ${maxSpread}`);
  const cel = await stylizer.stylize({ image, analysis, style: 'bright-cel', seed: 1 });
  const lab = rgbToLab(cel);
  let chroma = 0;
  for (let i = 0; i < lab.l.length; i++) chroma += Math.hypot(lab.a[i], lab.b[i]);
  assert.ok(chroma / lab.l.length > 10, 'bright-cel should be colourful');
});

/** A committed fixture photo at `size` px long side (tests may use sharp; the engine may not). */
async function fixture(name: string, size = 256): Promise<RgbImage> {
  const { data, info } = await sharp(`test/fixtures/photos/${name}`)
    .resize({ width: size, height: size, fit: 'inside' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

function distinctColours(img: RgbImage): number {
  const seen = new Set<number>();
  for (let i = 0; i < img.data.length; i += 3) seen.add((img.data[i] << 16) | (img.data[i + 1] << 8) | img.data[i + 2]);
  return seen.size;
}

test('cel styles flatten colour on real photos: fewer colours, top palette covers more', async () => {
  for (const name of ['deb_skimage_coffee.png', 'deb_skimage_astronaut.png']) {
    const image = await fixture(name);
    const analysis = emptyAnalysis(image.width, image.height);
    const before = topColourCoverage(image);
    // Dreamy's bloom and gradients soften the flats, so it only has to be flatter than the photo.
    for (const [style, gain] of [
      ['bright-cel', 0.1],
      ['dreamy-sky', 0.04],
    ] as const) {
      const out = await stylizer.stylize({ image, analysis, style, seed: 1 });
      const after = topColourCoverage(out);
      assert.ok(after > before + gain, `${name} ${style}: top-16 coverage ${before.toFixed(2)} -> ${after.toFixed(2)}`);
      assert.ok(distinctColours(out) < distinctColours(image) * 0.8, `${name} ${style}: distinct colours should drop`);
    }
  }
});

test('line art inks strong edges and leaves flat areas clean', async () => {
  // A dark square on a light field: the border must be inked, the middle of each area not.
  const width = 160;
  const height = 120;
  const data = new Uint8Array(width * height * 3).fill(225);
  for (let y = 30; y < 90; y++) for (let x = 50; x < 110; x++) data.set([70, 90, 160], (y * width + x) * 3);
  const image = { width, height, data };
  const out = await stylizer.stylize({ image, analysis: emptyAnalysis(width, height), style: 'bright-cel', seed: 1, params: { sky: 0 } });
  const lab = rgbToLab(out);
  const src = rgbToLab(image);
  // Along the square's top edge, some pixel within 3 px is clearly darker than both sides' fills.
  let inked = 0;
  let total = 0;
  for (let x = 60; x < 100; x++) {
    total++;
    let darkest = 100;
    for (let y = 27; y <= 33; y++) darkest = Math.min(darkest, lab.l[y * width + x]);
    if (darkest < src.l[60 * width + 80] - 10) inked++;
  }
  assert.ok(inked / total > 0.8, `edge inked on ${inked}/${total} columns`);
  assert.ok(Math.abs(lab.l[10 * width + 10] - src.l[10 * width + 10]) < 12, 'flat light area stays light');
  assert.ok(Math.abs(lab.l[60 * width + 80] - src.l[60 * width + 80]) < 12, 'flat dark area keeps its tone');
});

for (const [name, skin] of [
  ['dark', [92, 60, 44]],
  ['medium', [176, 124, 92]],
  ['light', [242, 208, 188]],
] as const) {
  test(`keeps ${name} skin tone (ITA within 3 degrees, small delta E) with and without landmarks`, async () => {
    for (const withLandmarks of [true, false]) {
      const { image, analysis, landmarks } = portrait(skin, withLandmarks);
      const before = faceSkinLab(image, landmarks);
      for (const style of ['bright-cel', 'soft-watercolor', 'dreamy-sky'] as const) {
        const out = await stylizer.stylize({ image, analysis, style, seed: 3 });
        const after = faceSkinLab(out, landmarks);
        const dE = Math.hypot(after[0] - before[0], after[1] - before[1], after[2] - before[2]);
        const dIta = itaOf(after[0], after[2]) - itaOf(before[0], before[2]);
        const where = `${style}, landmarks ${withLandmarks}`;
        assert.ok(Math.abs(dIta) <= 3, `${where}: ITA shift ${dIta.toFixed(2)}`);
        assert.ok(dE <= 4, `${where}: delta E ${dE.toFixed(2)}`);
      }
    }
  });
}

test('with landmarks, eyes get catchlights and a drawn lash line; without, the face is left plain', async () => {
  const withLm = portrait([176, 124, 92], true);
  const noLm = portrait([176, 124, 92], false);
  const a = await stylizer.stylize({ image: withLm.image, analysis: withLm.analysis, style: 'bright-cel', seed: 1 });
  const b = await stylizer.stylize({ image: noLm.image, analysis: noLm.analysis, style: 'bright-cel', seed: 1 });
  const lab = rgbToLab(a);
  const plain = rgbToLab(b);
  const w = a.width;
  for (const eye of [withLm.landmarks.leftIris, withLm.landmarks.rightIris]) {
    const { x, y } = eye as { x: number; y: number };
    // Catchlight: a near-white pixel up and to the left of the iris centre.
    let brightest = 0;
    for (let dy = -4; dy <= 0; dy++) for (let dx = -4; dx <= 0; dx++) brightest = Math.max(brightest, lab.l[Math.round(y + dy) * w + Math.round(x + dx)]);
    assert.ok(brightest > 85, `catchlight at ${x},${y}: ${brightest.toFixed(1)}`);
    // Lash line: the upper lid is inked dark.
    let lid = 100;
    for (let dy = -8; dy <= -4; dy++) lid = Math.min(lid, lab.l[Math.round(y + dy) * w + Math.round(x)]);
    assert.ok(lid < 30, `lash line above ${x},${y}: ${lid.toFixed(1)}`);
  }
  let diff = 0;
  for (let i = 0; i < lab.l.length; i++) diff += Math.abs(lab.l[i] - plain.l[i]);
  assert.ok(diff / lab.l.length > 0.2, 'landmarks change the face');
});

test('works with an empty analysis (no people) and repaints a detected sky', async () => {
  const image = landscape();
  const analysis = emptyAnalysis(image.width, image.height);
  const out = await stylizer.stylize({ image, analysis, style: 'bright-cel', seed: 1 });
  assert.equal(out.data.length, image.data.length);
  // The sky becomes a clean gradient: low row-to-row noise in a clear patch, and still blue.
  const lab = rgbToLab(out);
  let rough = 0;
  for (let y = 40; y < 60; y++) for (let x = 20; x < 100; x++) rough += Math.abs(lab.l[y * image.width + x] - lab.l[y * image.width + x + 1]);
  assert.ok(rough / (20 * 80) < 1.2, `sky should be smooth, roughness ${(rough / 1600).toFixed(2)}`);
  assert.ok(lab.b[45 * image.width + 50] < -15, 'sky stays blue');
});

test('reports progress and honours cancellation', async () => {
  const { image, analysis } = portrait([200, 150, 120]);
  const events: ProgressEvent[] = [];
  const yielding = createEmbeddedStylizer();
  await yielding.stylize({ image, analysis, style: 'bright-cel', seed: 1 }, { onProgress: (e) => events.push(e) });
  assert.ok(events.length >= 5);
  assert.ok(events.every((e) => e.stage === 'stylize'));
  for (let i = 1; i < events.length; i++) assert.ok(events[i].progress >= events[i - 1].progress);
  assert.equal(events[events.length - 1].progress, 1);

  const pre = new AbortController();
  pre.abort();
  await assert.rejects(yielding.stylize({ image, analysis, style: 'bright-cel', seed: 1 }, { signal: pre.signal }), (e: unknown) => e instanceof AnimeMeError && e.code === 'CANCELLED');

  const mid = new AbortController();
  const run = yielding.stylize({ image, analysis, style: 'bright-cel', seed: 1 }, {
    signal: mid.signal,
    onProgress: (e) => {
      if (e.progress > 0 && e.progress < 0.5) mid.abort();
    },
  });
  await assert.rejects(run, (e: unknown) => e instanceof AnimeMeError && e.code === 'CANCELLED');
});

test('rejects unknown styles, bad params, mismatched analysis and malformed images', async () => {
  const { image, analysis } = portrait([200, 150, 120]);
  const code = (c: string) => (e: unknown) => e instanceof AnimeMeError && e.code === c;
  await assert.rejects(stylizer.stylize({ image, analysis, style: 'oil-paint', seed: 1 }), code('INVALID_ARGUMENT'));
  await assert.rejects(stylizer.stylize({ image, analysis, style: 'bright-cel', seed: 1, params: { clusters: 1000 } }), code('INVALID_ARGUMENT'));
  await assert.rejects(stylizer.stylize({ image, analysis: emptyAnalysis(10, 10), style: 'bright-cel', seed: 1 }), code('INVALID_ARGUMENT'));
  await assert.rejects(
    stylizer.stylize({ image: { width: 4, height: 4, data: new Uint8Array(5) }, analysis: emptyAnalysis(4, 4), style: 'bright-cel', seed: 1 }),
    code('INVALID_ARGUMENT'),
  );
  // Unknown param names are ignored (presets may carry other engines' tweaks).
  const out = await stylizer.stylize({ image, analysis, style: 'bright-cel', seed: 1, params: { denoise: 0.6 } });
  assert.equal(out.width, image.width);
});

test('tiny and single-colour images do not crash', async () => {
  for (const [w, h] of [
    [1, 1],
    [3, 2],
    [17, 9],
  ]) {
    const image = { width: w, height: h, data: new Uint8Array(w * h * 3).fill(128) };
    for (const style of EMBEDDED_STYLES) {
      const out = await stylizer.stylize({ image, analysis: emptyAnalysis(w, h), style, seed: 0 });
      assert.equal(out.data.length, w * h * 3);
    }
  }
});

test('a black-and-white photo gets no colour: no blue sky, no tinted lips', async () => {
  const { image, analysis } = portrait([150, 150, 150]);
  // Grey it fully, and give it a bright grey sky band at the top.
  const grey = new Uint8Array(image.data.length);
  for (let i = 0; i < grey.length; i += 3) {
    const v = Math.round((image.data[i] + image.data[i + 1] + image.data[i + 2]) / 3);
    grey[i] = grey[i + 1] = grey[i + 2] = v;
  }
  for (let y = 0; y < 40; y++) for (let x = 0; x < image.width; x++) grey.fill(225, (y * image.width + x) * 3, (y * image.width + x) * 3 + 3);
  for (const style of ['bright-cel', 'soft-watercolor'] as const) {
    const out = await stylizer.stylize({ image: { ...image, data: grey }, analysis, style, seed: 2 });
    const lab = rgbToLab(out);
    let chroma = 0;
    let skyChroma = 0;
    for (let i = 0; i < lab.l.length; i++) chroma += Math.hypot(lab.a[i], lab.b[i]);
    for (let i = 0; i < 20 * image.width; i++) skyChroma += Math.hypot(lab.a[i], lab.b[i]);
    // Watercolour's warm paper may tint a little; nothing may turn blue or red.
    assert.ok(chroma / lab.l.length < 6, `${style}: mean chroma ${(chroma / lab.l.length).toFixed(2)}`);
    assert.ok(skyChroma / (20 * image.width) < 6, `${style}: sky chroma ${(skyChroma / (20 * image.width)).toFixed(2)}`);
  }
});

test('sparkles never land on a detected pet', async () => {
  // A pale, bright, flat scene: sparkles can go anywhere.
  const width = 200;
  const height = 160;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set([236, 232, 226], i);
  const image = { width, height, data };
  const pet = { x: 10, y: 10, width: 110, height: 140 };
  const empty = emptyAnalysis(width, height);
  const withPet = { ...empty, pets: [{ label: 'dog', box: pet, score: 0.9 }] };
  const params = { sparkles: 60 };
  const plain = await stylizer.stylize({ image, analysis: withPet, style: 'dreamy-sky', seed: 5, params: { sparkles: 0 } });
  const guarded = await stylizer.stylize({ image, analysis: withPet, style: 'dreamy-sky', seed: 5, params });
  const open = await stylizer.stylize({ image, analysis: empty, style: 'dreamy-sky', seed: 5, params });
  let openInside = 0;
  let guardedInside = 0;
  for (let y = pet.y; y < pet.y + pet.height; y++) {
    for (let x = pet.x; x < pet.x + pet.width; x++) {
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        if (open.data[o + c] !== plain.data[o + c]) openInside++;
        if (guarded.data[o + c] !== plain.data[o + c]) guardedInside++;
      }
    }
  }
  assert.ok(openInside > 0, 'without the pet, sparkles do land in that area (the test can fail)');
  assert.equal(guardedInside, 0, 'with the pet, none do');
});

test('reused scratch buffers leave no trace: a call gives the same bytes after calls on other sizes', async () => {
  const a = portrait([176, 124, 92]);
  const first = await stylizer.stylize({ image: a.image, analysis: a.analysis, style: 'soft-watercolor', seed: 9 });
  await stylizer.stylize({ image: landscape(), analysis: emptyAnalysis(landscape().width, landscape().height), style: 'manga-ink', seed: 1 });
  const big = await fixture('deb_skimage_astronaut.png', 300);
  await stylizer.stylize({ image: big, analysis: emptyAnalysis(big.width, big.height), style: 'bright-cel', seed: 1 });
  const again = await stylizer.stylize({ image: a.image, analysis: a.analysis, style: 'soft-watercolor', seed: 9 });
  assert.deepEqual(again.data, first.data);
});
