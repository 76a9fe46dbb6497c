/**
 * Orchestration tests with the real codec and a stand-in stylizer: sizes, the parameters chunk,
 * composite arrangement, progress, cancellation and error codes. The full engine is tested end to
 * end in test/node/create-anime-me.test.ts.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import sharp from 'sharp';
import { readInfotext } from '../../src/core/png-text.js';
import type { RgbImage } from '../../src/core/raster.js';
import type { ProgressEvent, Stylizer, StylizeRequest } from '../../src/core/types.js';
import { createSharpCodec } from '../../src/node/sharp-codec.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import { workingSize } from '../../src/pipeline/sizes.js';

const photos = new URL('../fixtures/photos/', import.meta.url);
const load = async (name: string) => new Uint8Array(await readFile(new URL(name, photos)));

// Inverts colours so tests can tell stylized from original pixels; records what it was asked.
function invertingStylizer(calls: StylizeRequest[] = []): Stylizer {
  return {
    name: 'invert',
    styles: ['bright-cel', 'soft-watercolor', 'manga-ink', 'dreamy-sky'],
    async stylize(request) {
      calls.push(request);
      const data = request.image.data.map((v) => 255 - v);
      return { width: request.image.width, height: request.image.height, data };
    },
    async dispose() {},
  };
}

test('workingSize keeps aspect and divides by the upscale factor', () => {
  assert.deepEqual(workingSize({ width: 1000, height: 500 }, 1024, 2), { width: 512, height: 256 });
  assert.deepEqual(workingSize({ width: 300, height: 600 }, 1280, 2), { width: 320, height: 640 });
  assert.deepEqual(workingSize({ width: 10, height: 10 }, 64, 4), { width: 16, height: 16 });
});

test('runs every stage, outputs the requested size with the parameters chunk and no EXIF', async () => {
  const calls: StylizeRequest[] = [];
  const pipeline = createPipeline({ codec: createSharpCodec(), stylizer: invertingStylizer(calls) });
  const events: ProgressEvent[] = [];
  const result = await pipeline.run(await load('deb_skimage_coffee.png'), { size: 800, seed: 42 }, { onProgress: (e) => events.push(e) });
  assert.equal(calls.length, 1);
  assert.equal(Math.max(calls[0].image.width, calls[0].image.height), 400, 'stylized at half the output size');
  assert.equal(Math.max(result.image.width, result.image.height), 800);
  assert.equal(result.image.width, calls[0].image.width * 2);
  const meta = await sharp(result.output).metadata();
  assert.equal(meta.format, 'png');
  assert.equal(meta.width, result.image.width);
  assert.equal(meta.exif, undefined);
  const params = readInfotext(result.output);
  assert.ok(params, 'parameters chunk present');
  assert.equal(params.seed, 42);
  assert.equal(params.width, result.image.width);
  assert.equal(params.height, result.image.height);
  assert.equal(params.prompt, result.description.prompt.positive);
  assert.equal(params.negativePrompt, result.description.prompt.negative);
  for (const stage of ['decode', 'describe', 'stylize', 'upscale', 'encode'] as const) {
    assert.equal(typeof result.timings[stage], 'number', `timing for ${stage}`);
    assert.ok(events.some((e) => e.stage === stage && e.progress === 1), `progress for ${stage}`);
  }
  assert.equal(result.description.preset.id, 'landscape', 'no analyser → no-people scene');
});

test('composite is side by side for portrait photos and stacked for landscape ones', async () => {
  const pipeline = createPipeline({ codec: createSharpCodec(), stylizer: invertingStylizer() });
  const portrait = await pipeline.run(await load('deb_mpl_grace_hopper.jpg'), { size: 256, composite: true });
  const landscape = await pipeline.run(await load('deb_skimage_chelsea.png'), { size: 256, composite: true });
  assert.ok(portrait.image.height > portrait.image.width);
  assert.ok(landscape.image.width > landscape.image.height);
  const p = await sharp(portrait.composite!).metadata();
  const l = await sharp(landscape.composite!).metadata();
  assert.equal(p.format, 'jpeg');
  assert.ok(p.width! > p.height!, `portrait composite ${p.width}x${p.height} should be wider than tall`);
  assert.ok(l.height! > l.width!, `landscape composite ${l.width}x${l.height} should be taller than wide`);
  assert.equal(p.exif, undefined);
});

test('same input, style and seed give identical bytes', async () => {
  const pipeline = createPipeline({ codec: createSharpCodec(), stylizer: invertingStylizer() });
  const bytes = await load('deb_skimage_astronaut.png');
  const a = await pipeline.run(bytes, { size: 256, seed: 7, style: 'manga-ink' });
  const b = await pipeline.run(bytes, { size: 256, seed: 7, style: 'manga-ink' });
  assert.deepEqual(a.output, b.output);
  const c = await pipeline.run(bytes, { size: 256, seed: 8, style: 'manga-ink' });
  assert.notDeepEqual(a.output, c.output, 'the seed is recorded in the PNG, so bytes differ');
});

test('grayscale photos are noticed and get the monochrome preset', async () => {
  const calls: StylizeRequest[] = [];
  const pipeline = createPipeline({ codec: createSharpCodec(), stylizer: invertingStylizer(calls) });
  const result = await pipeline.run(await load('deb_skimage_camera.png'), { size: 256 });
  assert.equal(result.description.preset.id, 'monochrome');
  assert.equal(calls[0].style, 'manga-ink');
});

test('bad options and bad input fail with stable codes; a cancelled run says CANCELLED', async () => {
  const pipeline = createPipeline({ codec: createSharpCodec(), stylizer: invertingStylizer() });
  const good = await load('deb_skimage_coffee.png');
  await assert.rejects(pipeline.run(good, { size: 10 }), { code: 'INVALID_ARGUMENT', message: 'Expected integer between 64 and 4096 for size but received 10 of type number' });
  await assert.rejects(pipeline.run(good, { format: 'gif' as never }), { code: 'INVALID_ARGUMENT' });
  await assert.rejects(pipeline.run(new Uint8Array(0)), { code: 'EMPTY_INPUT' });
  await assert.rejects(pipeline.run(new TextEncoder().encode('hello, not a photo')), { code: 'UNSUPPORTED_TYPE' });
  await assert.rejects(pipeline.run(good.slice(0, 2000)), { code: 'CORRUPT_IMAGE' });
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(pipeline.run(good, { signal: controller.signal }), { code: 'CANCELLED' });
});

test('an upscaler that returns the wrong size is caught, not passed on', async () => {
  const wrong = {
    name: 'wrong',
    async upscale(image: RgbImage) {
      return image;
    },
    async dispose() {},
  };
  const pipeline = createPipeline({ codec: createSharpCodec(), stylizer: invertingStylizer(), upscaler: wrong });
  await assert.rejects(pipeline.run(await load('deb_skimage_coffee.png'), { size: 256 }), { code: 'INTERNAL' });
});
