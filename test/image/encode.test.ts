import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { formatInfotext, parseInfotext, readPngTextChunks, type GenerationParameters } from '../../src/core/png-text.js';
import { decodeImage } from '../../src/image/decode.js';
import { encodeImage } from '../../src/image/encode.js';
import { resizeImage } from '../../src/image/resize.js';
import { createRgbImage } from '../../src/core/raster.js';
import { assertNear, expectCode, pixel, sharp } from './helpers.js';

const PHOTO = new Uint8Array(readFileSync(new URL('../fixtures/photos/deb_skimage_coffee.png', import.meta.url)));

test('encoding is deterministic and round-trips through the decoder', async () => {
  const { image } = await decodeImage(PHOTO, { maxSide: 160 });
  for (const format of ['png', 'jpeg', 'webp'] as const) {
    const a = await encodeImage(image, { format });
    const b = await encodeImage(image, { format });
    assert.ok(a instanceof Uint8Array && !Buffer.isBuffer(a), `${format}: plain bytes`);
    assert.deepEqual(a, b, `${format}: same pixels give same bytes`);
    const back = await decodeImage(a);
    assert.equal(back.format, format);
    assert.deepEqual([back.image.width, back.image.height], [image.width, image.height]);
    if (format === 'png') assert.deepEqual(back.image.data, image.data, 'png is lossless');
  }
  const low = await encodeImage(image, { format: 'jpeg', quality: 20 });
  const high = await encodeImage(image, { format: 'jpeg', quality: 95 });
  assert.ok(low.length < high.length, 'quality changes the output');
});

test('a JPEG carrying EXIF GPS comes out with no EXIF, ICC, XMP or IPTC (G6)', async () => {
  const withGps = await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: 90, g: 120, b: 200 } } })
    .withExif({
      IFD0: { Make: 'PhoneCo', Model: 'Snap 9', Copyright: 'someone' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' },
    })
    .withIccProfile('p3')
    .jpeg()
    .toBuffer();
  const before = await sharp(withGps).metadata();
  assert.ok(before.exif && before.exif.length > 0, 'fixture carries EXIF');
  // Tag 0x8825 is the pointer to the GPS IFD (either byte order).
  const gpsPointer = before.exif.includes(Buffer.from([0x88, 0x25])) || before.exif.includes(Buffer.from([0x25, 0x88]));
  assert.ok(gpsPointer, 'fixture EXIF has a GPS IFD');
  assert.ok(before.exif.includes(Buffer.from('PhoneCo')), 'fixture EXIF has the camera make');
  assert.equal(before.hasProfile, true, 'fixture carries ICC');

  const { image } = await decodeImage(withGps);
  for (const format of ['png', 'jpeg', 'webp'] as const) {
    const out = await encodeImage(image, { format });
    const meta = await sharp(out).metadata();
    assert.equal(meta.exif, undefined, `${format}: no EXIF`);
    assert.equal(meta.icc, undefined, `${format}: no ICC`);
    assert.equal(meta.hasProfile, false, `${format}: no ICC`);
    assert.equal(meta.xmp, undefined, `${format}: no XMP`);
    assert.equal(meta.iptc, undefined, `${format}: no IPTC`);
    assert.equal(meta.orientation, undefined, `${format}: no orientation tag`);
    assert.equal(Buffer.from(out).includes(Buffer.from('PhoneCo')), false, `${format}: no camera make anywhere`);
  }
});

test('PNG output carries the A1111 parameters chunk, readable by sharp and by our parser (G17)', async () => {
  const image = createRgbImage(16, 24, [250, 200, 210]);
  const params: GenerationParameters = {
    prompt: '一个女孩，微笑, masterpiece, (smile:1.2)',
    negativePrompt: 'lowres, text: watermark',
    steps: 20,
    sampler: 'Euler a',
    cfgScale: 7,
    seed: 1234567,
    width: 16,
    height: 24,
    denoisingStrength: 0.6,
    model: 'anime-me embedded',
  };
  const png = await encodeImage(image, { format: 'png', text: { parameters: formatInfotext(params) } });
  assert.deepEqual(parseInfotext(readPngTextChunks(png).parameters), params);
  const meta = await sharp(png).metadata();
  assert.deepEqual(meta.comments, [{ keyword: 'parameters', text: formatInfotext(params) }]);
  const back = await decodeImage(png);
  assert.deepEqual(back.image.data, image.data);
});

test('bad encode options and images are INVALID_ARGUMENT', async () => {
  const image = createRgbImage(4, 4, [0, 0, 0]);
  await expectCode(encodeImage(image, { format: 'gif' as 'png' }), 'INVALID_ARGUMENT', 'format');
  await expectCode(encodeImage(image, { format: 'jpeg', quality: 0 }), 'INVALID_ARGUMENT', 'quality');
  await expectCode(encodeImage(image, { format: 'jpeg', text: { parameters: 'x' } }), 'INVALID_ARGUMENT', 'text on jpeg');
  await expectCode(encodeImage({ width: 4, height: 4, data: new Uint8Array(10) }, { format: 'png' }), 'INVALID_ARGUMENT', 'data');
  const error = await expectCode(encodeImage({ width: -1, height: 4, data: new Uint8Array(0) }, { format: 'png' }), 'INVALID_ARGUMENT');
  assert.equal(error.message, 'Expected positive integer for image.width but received -1 of type number');
});

test('resizeImage gives the exact size, keeps colour, and validates', async () => {
  const image = createRgbImage(40, 20, [10, 200, 30]);
  image.data.set([250, 250, 250], (10 * 40 + 39) * 3);
  for (const kernel of ['lanczos3', 'nearest', 'cubic'] as const) {
    const out = await resizeImage(image, 17, 33, kernel);
    assert.deepEqual([out.width, out.height, out.data.length], [17, 33, 17 * 33 * 3], kernel);
    assertNear(pixel(out, 4, 16), [10, 200, 30], 2, kernel);
  }
  const same = await resizeImage(image, 40, 20);
  assert.deepEqual(same.data, image.data);
  assert.notEqual(same.data, image.data, 'a copy, not the same array');
  await expectCode(resizeImage(image, 0, 10), 'INVALID_ARGUMENT', 'width 0');
  await expectCode(resizeImage(image, 10, 100_000), 'INVALID_ARGUMENT', 'height too big');
  await expectCode(resizeImage(image, 10, 10, 'bogus' as 'nearest'), 'INVALID_ARGUMENT', 'kernel');
});
