/**
 * Input limits as configuration (G2/G3 at the library level): maxBytes, maxPixels and maxDimension are
 * options with documented, exported defaults, validated, passed through the codec and createAnimeMe,
 * and enforced before any decoder runs (shown by inputs whose bodies are broken or missing: a check
 * that ran after decoding would call them corrupt instead).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAnimeMe, DEFAULT_MAX_BYTES, DEFAULT_MAX_DIMENSION, DEFAULT_MAX_PIXELS, decodeImage } from '../../src/index.js';
import { readDeclaredSize } from '../../src/image/declared-size.js';
import { createSharpCodec } from '../../src/node/sharp-codec.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import { createEmbeddedStylizer } from '../../src/stylize/index.js';
import { expectCode, sharp } from '../image/helpers.js';
import { photo } from './corpus.js';
import { blackPng, concat, patchIspe, patchJpegSize } from './formats.js';

const HOPPER = photo('deb_mpl_grace_hopper.jpg'); // 512×600

test('the defaults are exported from the public entry with the documented values', () => {
  assert.equal(DEFAULT_MAX_BYTES, 64 * 1024 * 1024);
  assert.equal(DEFAULT_MAX_PIXELS, 50_000_000);
  assert.equal(DEFAULT_MAX_DIMENSION, 16_384);
});

test('maxBytes: TOO_LARGE with the sizes in one line, exactly at the boundary', async () => {
  const error = await expectCode(decodeImage(HOPPER, { maxBytes: HOPPER.length - 1 }), 'TOO_LARGE', 'one byte over');
  assert.equal(error.message, `The image is ${HOPPER.length} bytes; the limit is ${HOPPER.length - 1} bytes`);
  assert.deepEqual(error.details, { bytes: HOPPER.length, maxBytes: HOPPER.length - 1 });
  const ok = await decodeImage(HOPPER, { maxBytes: HOPPER.length });
  assert.equal(ok.image.width, 512);
  const big = await expectCode(decodeImage(new Uint8Array(DEFAULT_MAX_BYTES + 1)), 'TOO_LARGE', 'default');
  assert.equal(big.message, 'The image is 64.0 MiB; the limit is 64.0 MiB');
  for (const bad of [0, -1, 1.5, '1000', Number.NaN]) {
    await expectCode(decodeImage(HOPPER, { maxBytes: bad as number }), 'INVALID_ARGUMENT', `maxBytes ${String(bad)}`);
  }
});

test('maxBytes is checked before anything parses the bytes', async () => {
  // Not an image at all, and a bomb header: the byte limit answers first in both cases.
  await expectCode(decodeImage(new Uint8Array(2000).fill(0x41), { maxBytes: 1000 }), 'TOO_LARGE', 'text');
  await expectCode(decodeImage(patchJpegSize(HOPPER, 60000, 60000), { maxBytes: 1000 }), 'TOO_LARGE', 'bomb');
  // An empty input is still EMPTY_INPUT (a clearer answer than "too large" or "corrupt").
  await expectCode(decodeImage(new Uint8Array(0), { maxBytes: 1 }), 'EMPTY_INPUT', 'empty');
});

test('pixel limits come from the header, before decoding: a bomb with no pixel data is TOO_MANY_PIXELS, not CORRUPT_IMAGE', async () => {
  // Header of a 60000² JPEG, then the data cut off: a decoder would call this truncated.
  const headerOnly = patchJpegSize(HOPPER, 60000, 60000).subarray(0, 700);
  const error = await expectCode(decodeImage(headerOnly), 'TOO_MANY_PIXELS', 'jpeg header only');
  assert.match(error.message, /^The image is 60000x60000 \(3600\.0 MP\); the limit is 50\.0 MP and 16384 px per side$/);
  // A real (complete, valid) 16384² PNG: refused at the header, its 33 KB of IDAT never inflated.
  await expectCode(decodeImage(blackPng(16384, 16384)), 'TOO_MANY_PIXELS', 'real bomb');
  // The same image allowed by a raised limit decodes: the refusal above was the limit, not the file.
  const allowed = await decodeImage(blackPng(4096, 4096), { maxPixels: 4096 * 4096, maxSide: 64 });
  assert.deepEqual([allowed.originalWidth, allowed.originalHeight, allowed.image.width], [4096, 4096, 64]);
});

test('AVIF declared size is read from its ispe box, so AVIF bombs are refused before libheif', async () => {
  const avif = new Uint8Array(await sharp({ create: { width: 40, height: 24, channels: 3, background: { r: 9, g: 99, b: 199 } } }).avif({ effort: 0 }).toBuffer());
  assert.deepEqual(readDeclaredSize(avif, 'avif'), { width: 40, height: 24 });
  assert.deepEqual(readDeclaredSize(patchIspe(avif, 60000, 50), 'avif'), { width: 60000, height: 50 });
  await expectCode(decodeImage(patchIspe(avif, 0x80000040, 0x80000040)), 'TOO_MANY_PIXELS', 'ispe 2^31');
  await expectCode(decodeImage(patchIspe(avif, 10000, 10000)), 'TOO_MANY_PIXELS', 'ispe 100 MP');
  // Broken box structure gives no size rather than an exception.
  assert.equal(readDeclaredSize(avif.subarray(0, 40), 'avif'), undefined);
  const looped = avif.slice();
  new DataView(looped.buffer).setUint32(0, 0); // size 0 = "to the end of the file"
  assert.doesNotThrow(() => readDeclaredSize(looped, 'avif'));
  assert.equal(readDeclaredSize(concat(avif.subarray(0, 32), new Uint8Array(100)), 'avif'), undefined);
});

test('the limits pass through createSharpCodec and createAnimeMe', async () => {
  const run = async (codec: Parameters<typeof createSharpCodec>[0]) => {
    const pipeline = createPipeline({ codec: createSharpCodec(codec), stylizer: createEmbeddedStylizer() });
    try {
      return await pipeline.run(HOPPER, { size: 128, analyse: false });
    } finally {
      await pipeline.dispose();
    }
  };
  await expectCode(run({ maxBytes: 1000 }), 'TOO_LARGE', 'codec maxBytes');
  await expectCode(run({ maxPixels: 512 * 600 - 1 }), 'TOO_MANY_PIXELS', 'codec maxPixels');
  await expectCode(run({ maxDimension: 599 }), 'TOO_MANY_PIXELS', 'codec maxDimension');
  const ok = await run({ maxBytes: HOPPER.length, maxPixels: 512 * 600, maxDimension: 600 });
  assert.equal(ok.input.width, 512);

  const anime = createAnimeMe({ analyser: false, upscaler: false, codec: { maxBytes: 1000 } });
  try {
    await expectCode(anime.run(HOPPER, { size: 128 }), 'TOO_LARGE', 'createAnimeMe maxBytes');
  } finally {
    await anime.dispose();
  }
});
