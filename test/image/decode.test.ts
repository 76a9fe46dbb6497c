import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeImage } from '../../src/image/decode.js';
import { AnimeMeError } from '../../src/errors.js';
import { assertNear, expectCode, patchPngChunk, pixel, sharp, solid } from './helpers.js';

const PHOTO_JPEG = new Uint8Array(readFileSync(new URL('../fixtures/photos/deb_mpl_grace_hopper.jpg', import.meta.url)));
const PHOTO_PNG = new Uint8Array(readFileSync(new URL('../fixtures/photos/deb_skimage_chelsea.png', import.meta.url)));
const text = (s: string) => new TextEncoder().encode(s);
const RED = { r: 255, g: 0, b: 0 };

function isUprightRgb(result: Awaited<ReturnType<typeof decodeImage>>): void {
  const { image } = result;
  assert.ok(image.data instanceof Uint8Array && !Buffer.isBuffer(image.data), 'plain Uint8Array');
  assert.equal(image.data.length, image.width * image.height * 3);
}

test('a real JPEG and PNG decode to 8-bit RGB at full size', async () => {
  const jpeg = await decodeImage(PHOTO_JPEG);
  isUprightRgb(jpeg);
  assert.equal(jpeg.format, 'jpeg');
  assert.deepEqual([jpeg.image.width, jpeg.image.height, jpeg.originalWidth, jpeg.originalHeight], [512, 600, 512, 600]);
  assert.equal(jpeg.orientation, 1);
  assert.equal(jpeg.hadAlpha, false);
  const png = await decodeImage(PHOTO_PNG);
  isUprightRgb(png);
  assert.equal(png.format, 'png');
});

test('maxSide shrinks during decode, keeps aspect, never enlarges', async () => {
  const small = await decodeImage(PHOTO_JPEG, { maxSide: 100 });
  assert.equal(Math.max(small.image.width, small.image.height), 100);
  assert.equal(small.image.height, 100);
  assert.ok(Math.abs(small.image.width - (512 * 100) / 600) <= 1);
  assert.deepEqual([small.originalWidth, small.originalHeight], [512, 600]);
  const big = await decodeImage(PHOTO_JPEG, { maxSide: 4000 });
  assert.deepEqual([big.image.width, big.image.height], [512, 600]);
});

test('WebP and AVIF are accepted', async () => {
  for (const format of ['webp', 'avif'] as const) {
    const result = await decodeImage(await solid(20, 10, RED, format));
    assert.equal(result.format, format);
    assert.deepEqual([result.image.width, result.image.height], [20, 10]);
    assertNear(pixel(result.image, 10, 5), [255, 0, 0], 40, format);
  }
});

test('empty input is EMPTY_INPUT; 1 byte, text, SVG, GIF, TIFF, BMP, HEIC, PDF are UNSUPPORTED_TYPE', async () => {
  await expectCode(decodeImage(new Uint8Array(0)), 'EMPTY_INPUT', 'empty');
  const svg = text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>');
  const cases: [string, Uint8Array, RegExp][] = [
    ['1 byte', Uint8Array.of(0xff), /not a recognised image/],
    ['random', Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919 + 13) % 251), /not a recognised image/],
    ['text named .jpg', text('Hello, this is just text pretending to be photo.jpg\n'), /^text is not accepted/],
    ['svg', svg, /^SVG is not accepted; send a JPEG, PNG, WebP or AVIF photo$/],
    ['gif', await solid(8, 8, RED, 'gif'), /^GIF is not accepted/],
    ['tiff', await solid(8, 8, RED, 'tiff'), /^TIFF is not accepted/],
    ['bmp', Uint8Array.from([...text('BM'), ...new Uint8Array(100)]), /^BMP is not accepted/],
    ['heic', Uint8Array.from([0, 0, 0, 24, ...text('ftypheic\0\0\0\0mif1heic'), ...new Uint8Array(50)]), /^HEIC is not accepted/],
    ['pdf', text('%PDF-1.4\n1 0 obj\n<<>>\nendobj\n'), /^PDF is not accepted/],
  ];
  for (const [label, bytes, message] of cases) {
    const error = await expectCode(decodeImage(bytes), 'UNSUPPORTED_TYPE', label);
    assert.match(error.message, message, label);
  }
});

test('truncated JPEG and PNG are CORRUPT_IMAGE at every cut point', async () => {
  for (const [label, bytes] of [['jpeg', PHOTO_JPEG], ['png', PHOTO_PNG]] as const) {
    for (const fraction of [0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99]) {
      const cut = bytes.subarray(0, Math.max(8, Math.floor(bytes.length * fraction)));
      await expectCode(decodeImage(cut), 'CORRUPT_IMAGE', `${label} cut at ${fraction}`);
    }
    // Gentlest harmful cut: JPEG loses its end marker, PNG the tail of its last IDAT (IEND is 12 bytes).
    const keep = bytes.length - (label === 'jpeg' ? 2 : 12 + 4 + 4);
    const error = await expectCode(decodeImage(bytes.subarray(0, keep)), 'CORRUPT_IMAGE', `${label} tail cut`);
    assert.match(error.message, new RegExp(`^The ${label === 'jpeg' ? 'JPEG' : 'PNG'} image is corrupt or truncated`));
  }
});

test('PNG with a bad IDAT CRC is CORRUPT_IMAGE; bad IHDR CRC too', async () => {
  const png = await solid(32, 32, RED, 'png');
  await expectCode(decodeImage(patchPngChunk(png, 'IDAT', () => {}, false)), 'CORRUPT_IMAGE', 'IDAT');
  await expectCode(decodeImage(patchPngChunk(png, 'IHDR', () => {}, false)), 'CORRUPT_IMAGE', 'IHDR');
});

test('a PNG header declaring 60000x60000 is TOO_MANY_PIXELS from the header alone', async () => {
  const png = await solid(8, 8, RED, 'png');
  const bomb = patchPngChunk(png, 'IHDR', (data) => {
    const view = new DataView(data.buffer, data.byteOffset);
    view.setUint32(0, 60000);
    view.setUint32(4, 60000);
  });
  const memoryBefore = process.memoryUsage().rss;
  const error = await expectCode(decodeImage(bomb), 'TOO_MANY_PIXELS', 'bomb');
  assert.match(error.message, /60000x60000/);
  // 60000² RGB would be ~10 GB: being refused at all with little memory growth proves no decode ran.
  assert.ok(process.memoryUsage().rss - memoryBefore < 200 * 1024 * 1024);
});

test('maxPixels and maxDimension are enforced and validated', async () => {
  await expectCode(decodeImage(PHOTO_JPEG, { maxPixels: 100_000 }), 'TOO_MANY_PIXELS', 'maxPixels');
  await expectCode(decodeImage(PHOTO_JPEG, { maxDimension: 599 }), 'TOO_MANY_PIXELS', 'maxDimension');
  const ok = await decodeImage(PHOTO_JPEG, { maxPixels: 512 * 600, maxDimension: 600 });
  assert.equal(ok.image.width, 512);
  const bad = await expectCode(decodeImage(PHOTO_JPEG, { maxSide: -1 }), 'INVALID_ARGUMENT', 'maxSide');
  assert.equal(bad.message, 'Expected positive integer for maxSide but received -1 of type number');
  await expectCode(decodeImage(PHOTO_JPEG, { maxPixels: 1.5 }), 'INVALID_ARGUMENT', 'maxPixels');
  await expectCode(decodeImage('photo.jpg' as unknown as Uint8Array), 'INVALID_ARGUMENT', 'bytes');
});

test('16-bit, CMYK, greyscale and palette inputs all become 8-bit sRGB RGB', async () => {
  const base = () => sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 200, g: 40, b: 40 } } });
  const sixteen = await base().toColourspace('rgb16').png().toBuffer();
  assert.equal((await sharp(sixteen).metadata()).depth, 'ushort');
  const cmyk = await base().toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
  assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
  const grey = await base().toColourspace('b-w').png().toBuffer();
  assert.equal((await sharp(grey).metadata()).channels, 1);
  const greyJpeg = await base().toColourspace('b-w').jpeg().toBuffer();
  assert.equal((await sharp(greyJpeg).metadata()).channels, 1);
  const palette = await base().png({ palette: true }).toBuffer();
  assert.equal((await sharp(palette).metadata()).isPalette, true);

  for (const [label, bytes] of [['16-bit', sixteen], ['palette', palette]] as const) {
    const { image } = await decodeImage(bytes);
    assertNear(pixel(image, 8, 8), [200, 40, 40], 3, label);
  }
  const fromCmyk = (await decodeImage(cmyk)).image;
  // Through an ICC CMYK round trip the hue must survive, not the exact values.
  const [r, g, b] = pixel(fromCmyk, 8, 8);
  assert.ok(r > 150 && g < 100 && b < 100, `cmyk → ${r},${g},${b}`);
  for (const [label, bytes] of [['grey png', grey], ['grey jpeg', greyJpeg]] as const) {
    const { image } = await decodeImage(bytes);
    assert.equal(image.data.length, 16 * 16 * 3, label);
    const [gr, gg, gb] = pixel(image, 8, 8);
    assert.ok(gr === gg && gg === gb, `${label}: ${gr},${gg},${gb}`);
  }
});

test('RGBA PNG is flattened onto white and reports hadAlpha', async () => {
  const transparent = await solid(8, 8, { r: 0, g: 0, b: 0, alpha: 0 }, 'png');
  const half = await solid(8, 8, { r: 255, g: 0, b: 0, alpha: 0.5 }, 'png');
  const clear = await decodeImage(transparent);
  assert.equal(clear.hadAlpha, true);
  assertNear(pixel(clear.image, 4, 4), [255, 255, 255], 0, 'transparent');
  assertNear(pixel((await decodeImage(half)).image, 4, 4), [255, 127, 127], 2, 'half red');
});

test('no input in the hostile set escapes as a non-AnimeMeError', async () => {
  const png = await solid(16, 16, RED, 'png');
  const jpeg = await solid(16, 16, RED, 'jpeg');
  const inputs: Uint8Array[] = [
    Uint8Array.of(0xff, 0xd8, 0xff),
    Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 0x10),
    png.subarray(0, 8),
    png.subarray(0, 33),
    Uint8Array.from([...text('RIFF'), 0, 0, 0, 0, ...text('WEBPVP8 '), ...new Uint8Array(10)]),
    Uint8Array.from([0, 0, 0, 20, ...text('ftypavif\0\0\0\0avif'), ...new Uint8Array(20)]),
    // Zero-width PNG header (with a valid CRC).
    patchPngChunk(png, 'IHDR', (d) => new DataView(d.buffer, d.byteOffset).setUint32(0, 0)),
    // Flipped bits in the middle of JPEG entropy data.
    jpeg.map((b, i) => (i > jpeg.length / 2 && i < jpeg.length / 2 + 20 ? b ^ 0x5a : b)),
  ];
  for (const [i, bytes] of inputs.entries()) {
    try {
      await decodeImage(bytes);
    } catch (error) {
      assert.ok(error instanceof AnimeMeError, `input ${i}: ${String(error)}`);
      assert.ok(['CORRUPT_IMAGE', 'UNSUPPORTED_TYPE', 'TOO_MANY_PIXELS'].includes(error.code), `input ${i}: ${error.code}`);
    }
  }
});

const CORPUS = new URL('../../../shared/corpus/', import.meta.url);
const corpusManifest = (() => {
  try {
    return readFileSync(new URL('manifest.tsv', CORPUS), 'utf8');
  } catch {
    return undefined;
  }
})();

test(
  'every corpus photo decodes with the manifest size and a bounded working size',
  { skip: corpusManifest === undefined ? 'shared corpus not present at ../shared/corpus (CI-only check)' : false },
  async () => {
    const [header, ...rows] = corpusManifest!.trim().split('\n').map((line) => line.split('\t'));
    const col = (name: string) => header.indexOf(name);
    assert.ok(rows.length > 0);
    for (const row of rows) {
      const path = row[col('path')];
      const bytes = new Uint8Array(readFileSync(new URL(path, CORPUS)));
      const result = await decodeImage(bytes, { maxSide: 512 });
      const [width, height] = [Number(row[col('width')]), Number(row[col('height')])];
      // The manifest records stored size; for rotated (orientation ≥ 5) files the sides swap.
      const expected = result.orientation >= 5 ? [height, width] : [width, height];
      assert.deepEqual([result.originalWidth, result.originalHeight], expected, path);
      assert.ok(Math.max(result.image.width, result.image.height) <= 512, path);
      assert.equal(result.image.data.length, result.image.width * result.image.height * 3, path);
    }
  },
);
