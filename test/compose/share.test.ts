import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createMask, createRgbImage, type Mask, type RgbImage } from '../../src/core/raster.js';
import type { Box } from '../../src/core/types.js';
import { AnimeMeError } from '../../src/errors.js';
import {
  composeShare,
  coverRgb,
  createPrerenderedTextRenderer,
  renderBitmapText,
  DEFAULT_BACKGROUND,
  DEFAULT_CAPTION,
  planShareLayout,
  type ComposeOptions,
  type TextRenderer,
} from '../../src/compose/index.js';

function noise(width: number, height: number, seed = 1): RgbImage {
  const image = createRgbImage(width, height);
  let s = seed;
  for (let i = 0; i < image.data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    image.data[i] = 40 + ((s >>> 24) % 180);
  }
  return image;
}

function crop(image: RgbImage, box: Box): RgbImage {
  const out = createRgbImage(box.width, box.height);
  for (let y = 0; y < box.height; y++) {
    const from = ((box.y + y) * image.width + box.x) * 3;
    out.data.set(image.data.subarray(from, from + box.width * 3), y * box.width * 3);
  }
  return out;
}

function pixelsOutside(image: RgbImage, boxes: Box[], predicate: (r: number, g: number, b: number) => boolean): number {
  let n = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (boxes.some((b) => x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height)) continue;
      const i = (y * image.width + x) * 3;
      if (predicate(image.data[i], image.data[i + 1], image.data[i + 2])) n++;
    }
  }
  return n;
}

const isBackground = (r: number, g: number, b: number): boolean =>
  r === DEFAULT_BACKGROUND[0] && g === DEFAULT_BACKGROUND[1] && b === DEFAULT_BACKGROUND[2];
const isDark = (r: number, g: number, b: number): boolean => r + g + b < 300;

function assertPanels(out: RgbImage, original: RgbImage, anime: RgbImage, options?: ComposeOptions): void {
  const layout = planShareLayout(anime, options);
  const [first, second] = layout.panels;
  assert.deepEqual(crop(out, first).data, coverRgb(original, first.width, first.height).data, 'first panel is the original');
  assert.deepEqual(crop(out, second).data, coverRgb(anime, second.width, second.height).data, 'second panel is the anime');
}

test('portrait photos: two panels side by side, original on the left, anime untouched', () => {
  const original = noise(600, 900, 1);
  const anime = noise(300, 450, 2);
  const out = composeShare(original, anime);
  const layout = planShareLayout(anime);
  assert.equal(layout.arrangement, 'side-by-side');
  assert.equal(out.width, layout.width);
  assert.equal(out.height, layout.height);
  assert.ok(out.width > out.height, 'composite is wider than tall');
  const [first, second] = layout.panels;
  assert.deepEqual([first.width, first.height], [300, 450], 'within maxSide the anime keeps its size');
  assert.deepEqual([second.width, second.height], [300, 450]);
  assert.equal(first.y, second.y);
  assert.ok(second.x >= first.x + first.width + layout.margin);
  assertPanels(out, original, anime);
  // The anime panel is the anime itself, pixel for pixel.
  assert.deepEqual(crop(out, second).data, anime.data);
  // A frame of background colour around the panels.
  assert.ok(isBackground(out.data[0], out.data[1], out.data[2]));
});

test('landscape photos: stacked, original on top, taller arrangement', () => {
  const original = noise(900, 600, 3);
  const anime = noise(450, 300, 4);
  const out = composeShare(original, anime);
  const layout = planShareLayout(anime);
  assert.equal(layout.arrangement, 'stacked');
  assert.ok(out.height > out.width, 'composite is taller than wide');
  const [first, second] = layout.panels;
  assert.equal(first.x, second.x);
  assert.ok(second.y >= first.y + first.height + layout.margin);
  assertPanels(out, original, anime);
});

test('square photos go side by side; layout can be forced', () => {
  assert.equal(planShareLayout({ width: 400, height: 400 }).arrangement, 'side-by-side');
  const original = noise(200, 300, 5);
  const anime = noise(200, 300, 6);
  const options: ComposeOptions = { layout: 'stacked' };
  const out = composeShare(original, anime, options);
  assert.equal(planShareLayout(anime, options).arrangement, 'stacked');
  assert.ok(out.height > out.width);
  assertPanels(out, original, anime, options);
  assert.equal(planShareLayout({ width: 450, height: 300 }, { layout: 'side-by-side' }).arrangement, 'side-by-side');
});

test('the original is cover-cropped to the anime panel, never stretched', () => {
  // Original wider than the anime: its left and right stripes are cut, the middle one fills the panel.
  const original = createRgbImage(300, 100);
  for (let i = 0; i < original.data.length; i += 3) {
    const x = (i / 3) % 300;
    original.data[i + (x < 100 ? 0 : x < 200 ? 1 : 2)] = 255;
  }
  const anime = noise(100, 100, 7);
  const out = composeShare(original, anime, { caption: '' });
  const panel = crop(out, planShareLayout(anime).panels[0]);
  for (let i = 0; i < panel.data.length; i += 3) assert.deepEqual([panel.data[i], panel.data[i + 1], panel.data[i + 2]], [0, 255, 0]);
});

test('caption strip: drawn when given, omitted for an empty caption', () => {
  const original = noise(240, 320, 8);
  const anime = noise(240, 320, 9);
  const withCaption = planShareLayout(anime);
  const without = planShareLayout(anime, { caption: '' });
  assert.ok(withCaption.caption);
  assert.equal(without.caption, null);
  assert.ok(withCaption.height > without.height);
  assert.equal(without.width, withCaption.width);
  assert.deepEqual(without.panels, withCaption.panels);
  // Without a caption the frame is symmetric: same margin below the panels as above.
  assert.equal(without.height, without.panels[0].height + 2 * without.margin);
  assert.deepEqual(planShareLayout(anime, { caption: '  \n ' }), without);

  const out = composeShare(original, anime);
  const box = withCaption.caption;
  const strip = crop(out, box);
  let dark = 0;
  for (let i = 0; i < strip.data.length; i += 3) if (isDark(strip.data[i], strip.data[i + 1], strip.data[i + 2])) dark++;
  assert.ok(dark > 50, `caption ink in the strip (${dark} dark pixels)`);
  // Ink only in the caption box: the rest of the frame stays plain background.
  assert.equal(pixelsOutside(out, [...withCaption.panels, box], (r, g, b) => !isBackground(r, g, b)), 0);

  const bare = composeShare(original, anime, { caption: '' });
  assert.equal(bare.height, without.height);
  assert.equal(pixelsOutside(bare, without.panels, (r, g, b) => !isBackground(r, g, b)), 0);
});

test('caption colour follows the background, or the foreground option', () => {
  const anime = noise(100, 150, 10);
  const dark = composeShare(anime, anime, { background: [10, 10, 10] });
  const box = planShareLayout(anime).caption!;
  const strip = crop(dark, box);
  assert.ok(Math.max(...strip.data) > 200, 'light text on a dark background');
  const red = crop(composeShare(anime, anime, { foreground: [255, 0, 0], maxSide: 400 }), planShareLayout(anime, { maxSide: 400 }).caption!);
  let redPixels = 0;
  for (let i = 0; i < red.data.length; i += 3) if (red.data[i] > 240 && red.data[i + 1] < 30) redPixels++;
  assert.ok(redPixels > 20);
});

test('the composite never exceeds maxSide and uses most of it', () => {
  const sizes = [
    [2000, 3000], [3000, 2000], [4000, 4000], [333, 517], [517, 333], [1, 4000], [4000, 1], [1280, 1280], [700, 699],
  ] as const;
  for (const maxSide of [64, 100, 640, 1000, 1280, 2048]) {
    for (const caption of ['', DEFAULT_CAPTION]) {
      for (const [width, height] of sizes) {
        const layout = planShareLayout({ width, height }, { maxSide, caption });
        const name = `${width}x${height} maxSide ${maxSide} caption ${JSON.stringify(caption)}`;
        assert.ok(Math.max(layout.width, layout.height) <= maxSide, name);
        const [a, b] = layout.panels;
        assert.deepEqual([a.width, a.height], [b.width, b.height], name);
        assert.ok(a.width <= width && a.height <= height, `${name}: panels only shrink`);
        // Aspect ratio kept up to rounding of the short side.
        const long = Math.max(a.width, a.height);
        const short = Math.min(a.width, a.height);
        assert.ok(Math.abs(short - (long * Math.min(width, height)) / Math.max(width, height)) <= 1, name);
        for (const p of layout.panels) assert.ok(p.x >= 0 && p.y >= 0 && p.x + p.width <= layout.width && p.y + p.height <= layout.height, name);
        // When shrinking was needed, the result is tight (not wastefully small).
        if (a.width < width && Math.max(width, height) < 10 * maxSide) assert.ok(Math.max(layout.width, layout.height) >= maxSide * 0.97, name);
      }
    }
  }
});

test('downscaled panels are the resampled original and anime', () => {
  const original = noise(800, 1200, 11);
  const anime = noise(1000, 1500, 12);
  const options: ComposeOptions = { maxSide: 500 };
  const out = composeShare(original, anime, options);
  assert.ok(Math.max(out.width, out.height) <= 500);
  assertPanels(out, original, anime, options);
});

test('odd sizes and mismatched aspect ratios work', () => {
  for (const [original, anime] of [
    [noise(333, 517, 13), noise(333, 517, 14)],
    [noise(517, 333, 15), noise(333, 517, 16)],
    [noise(1, 1, 17), noise(3, 7, 18)],
    [noise(333, 517, 19), noise(1001, 37, 20)],
  ] as const) {
    const out = composeShare(original, anime, { labels: true });
    assert.equal(out.data.length, out.width * out.height * 3);
    const layout = planShareLayout(anime);
    assert.deepEqual([out.width, out.height], [layout.width, layout.height]);
  }
});

test('labels tag the panel corners and leave the rest of each panel alone', () => {
  const original = noise(300, 400, 21);
  const anime = noise(300, 400, 22);
  const plain = composeShare(original, anime);
  const labelled = composeShare(original, anime, { labels: true });
  const layout = planShareLayout(anime);
  for (const panel of layout.panels) {
    const corner = { x: panel.x, y: panel.y, width: Math.round(panel.width / 2), height: Math.round(panel.height / 5) };
    assert.notDeepEqual(crop(labelled, corner).data, crop(plain, corner).data, 'label drawn in the corner');
    const rest = { x: panel.x, y: corner.y + corner.height, width: panel.width, height: panel.height - corner.height };
    assert.deepEqual(crop(labelled, rest).data, crop(plain, rest).data, 'nothing drawn elsewhere');
  }
  const seen: string[] = [];
  composeShare(original, anime, { labels: ['原图', 'アニメ'], caption: '', textRenderer: (text, h) => (seen.push(text), createMask(h, h, 255)) });
  assert.deepEqual(seen, ['原图', 'アニメ']);
});

test('an injected text renderer gets the caption and its box height; oversized masks are shrunk to fit', () => {
  const anime = noise(200, 300, 23);
  const calls: Array<[string, number]> = [];
  const huge: TextRenderer = (text, heightPx) => {
    calls.push([text, heightPx]);
    return createMask(5000, heightPx * 3, 255);
  };
  const out = composeShare(anime, anime, { caption: 'anime-me · 异次元的我', textRenderer: huge });
  const layout = planShareLayout(anime);
  const box = layout.caption!;
  assert.deepEqual(calls, [['anime-me · 异次元的我', box.height]]);
  const inked = pixelsOutside(out, layout.panels, (r, g, b) => !isBackground(r, g, b));
  assert.ok(inked > 0);
  assert.equal(pixelsOutside(out, [...layout.panels, box], (r, g, b) => !isBackground(r, g, b)), 0, 'ink stays inside the caption box');

  // A pre-rendered mask (how an async edge such as sharp would do it) is centred in the box.
  const small: Mask = createMask(10, 4, 255);
  const centred = composeShare(anime, anime, { textRenderer: () => small });
  const cx = box.x + Math.floor((box.width - 10) / 2);
  const cy = box.y + Math.floor((box.height - 4) / 2);
  const i = (cy * centred.width + cx) * 3;
  assert.ok(isDark(centred.data[i], centred.data[i + 1], centred.data[i + 2]));
  assert.ok(isBackground(centred.data[i - 3], centred.data[i - 2], centred.data[i - 1]));

  // The default bitmap font survives any Unicode.
  assert.doesNotThrow(() => composeShare(anime, anime, { caption: '异次元的我 👩‍🎤 é\u0000\u200d', labels: ['前', '後'] }));
});

test('pre-rendered masks serve their exact text; other text falls back to the bitmap font', () => {
  const anime = noise(200, 300, 25);
  const layout = planShareLayout(anime, { caption: '异次元的我', labels: true });
  const captionMask = createMask(30, layout.caption!.height, 255);
  const heights: number[] = [];
  const fallback: TextRenderer = (text, heightPx) => (heights.push(heightPx), renderBitmapText(text, heightPx));
  const renderer = createPrerenderedTextRenderer([['异次元的我', captionMask]], fallback);
  assert.equal(renderer('异次元的我', 99), captionMask);
  assert.equal(renderer('before', 12).height, 12);
  heights.length = 0;
  const out = composeShare(anime, anime, { caption: '异次元的我', labels: true, textRenderer: renderer });
  assert.deepEqual(heights, [layout.labelHeight, layout.labelHeight], 'labels rendered at labelHeight');
  // The solid 30-pixel-wide caption block lands centred in the caption box.
  const box = layout.caption!;
  const row = box.y + Math.floor(box.height / 2);
  let run = 0;
  for (let x = box.x; x < box.x + box.width; x++) if (isDark(out.data[(row * out.width + x) * 3], out.data[(row * out.width + x) * 3 + 1], out.data[(row * out.width + x) * 3 + 2])) run++;
  assert.equal(run, 30);
});

test('invalid options are rejected with the one message shape', () => {
  const image = noise(20, 30, 24);
  const cases: Array<[unknown, string]> = [
    [{ maxSide: 10 }, 'Expected integer between 64 and 8192 for maxSide but received 10 of type number'],
    [{ maxSide: 1280.5 }, 'Expected integer between 64 and 8192 for maxSide but received 1280.5 of type number'],
    [{ layout: 'diagonal' }, 'Expected one of auto, side-by-side, stacked for layout but received "diagonal" of type string'],
    [{ background: [1, 2] }, 'Expected array of 3 integers between 0 and 255 for background but received 1,2 of type array'],
    [{ foreground: [0, 0, 256] }, 'Expected array of 3 integers between 0 and 255 for foreground but received 0,0,256 of type array'],
    [{ caption: 5 }, 'Expected string of at most 200 characters for caption but received 5 of type number'],
    [{ labels: 'yes' }, 'Expected boolean or a pair of strings of at most 40 characters for labels but received "yes" of type string'],
    [{ textRenderer: 'serif' }, 'Expected function for textRenderer but received "serif" of type string'],
    [{ maxsize: 100 }, 'Expected one of caption, layout, maxSide, background, foreground, labels, textRenderer for option name but received "maxsize" of type string'],
    [null, 'Expected options object for options but received null of type null'],
    [{ textRenderer: () => ({ width: 3, height: 3, data: new Uint8Array(2) }) }, 'Expected Mask with width × height bytes of data for textRenderer result but received [object Object] of type object'],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => composeShare(image, image, options as ComposeOptions),
      (error: unknown) => error instanceof AnimeMeError && error.code === 'INVALID_ARGUMENT' && error.message === message,
      message,
    );
  }
  assert.throws(() => planShareLayout({ width: 10, height: 10 }, { maxSide: 10 }), { message: cases[0][1] });
  assert.throws(() => composeShare(image, { width: 20, height: 30, data: new Uint8Array(10) }), {
    code: 'INVALID_ARGUMENT',
    message: 'Expected 1800 (width × height × 3) for anime.data.length but received 10 of type number',
  });
  assert.throws(() => composeShare({ width: 0, height: 30, data: new Uint8Array(0) }, image), {
    message: 'Expected integer between 1 and 65535 for original.width but received 0 of type number',
  });
  assert.throws(() => composeShare(undefined as unknown as RgbImage, image), {
    message: 'Expected RgbImage with width, height and data for original but received undefined of type undefined',
  });
});

test('src/compose stays portable: no Node built-ins, sharp or Buffer', () => {
  const dir = new URL('../../src/compose/', import.meta.url);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(new URL(file, dir), 'utf8');
    assert.doesNotMatch(source, /from ['"](node:|fs|path|sharp)/, file);
    assert.doesNotMatch(source, /\bBuffer\b|\bprocess\./, file);
  }
});
