import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sniffImageType } from '../../src/image/sniff.js';
import { ALLOWED_LOADERS } from '../../src/image/sharp-setup.js';
import { sharp, solid } from './helpers.js';

const text = (s: string) => new TextEncoder().encode(s);

function heifBox(major: string, compat: string[]): Uint8Array {
  const brands = [major, '\0\0\0\0', ...compat].join('');
  const size = 8 + brands.length;
  return Uint8Array.from([0, 0, 0, size, ...text('ftyp'), ...text(brands), ...new Uint8Array(64)]);
}

test('accepted formats are recognised from their bytes', async () => {
  const red = { r: 255, g: 0, b: 0 };
  for (const format of ['jpeg', 'png', 'webp', 'avif'] as const) {
    const result = await sniffImageType(await solid(8, 8, red, format));
    assert.deepEqual(result.accepted && result.format, format);
  }
});

test('impostors are rejected and named', async () => {
  const red = { r: 255, g: 0, b: 0 };
  const cases: [string, Uint8Array][] = [
    ['GIF', await solid(8, 8, red, 'gif')],
    ['TIFF', await solid(8, 8, red, 'tiff')],
    ['BMP', Uint8Array.from([...text('BM'), ...new Uint8Array(60)])],
    ['HEIC', heifBox('heic', ['mif1', 'heic'])],
    ['HEIF', heifBox('mif1', ['mif1'])],
    ['PDF', text('%PDF-1.7\n%âãÏÓ\n1 0 obj')],
    ['SVG', text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')],
    ['SVG', text('\uFEFF  <?xml version="1.0"?>\n<!-- x -->\n<svg width="10" height="10"></svg>')],
    ['XML', text('<?xml version="1.0"?><note/>')],
    ['HTML', text('<!DOCTYPE html><html><body>hi</body></html>')],
    ['text', text('this is not a photo, 这不是照片\n')],
    ['ZIP', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0, ...new Uint8Array(40)])],
    ['unrecognised data', Uint8Array.from([0x00, 0x01, 0x02, 0xfe, 0x80, 0x00, 0x13])],
  ];
  for (const [name, bytes] of cases) {
    const result = await sniffImageType(bytes);
    assert.equal(result.accepted, false, name);
    assert.equal(result.name, name);
  }
});

test('only the allow-listed libvips loaders work: a blocked loader throws (G4)', async () => {
  assert.deepEqual([...ALLOWED_LOADERS].sort(), [
    'VipsForeignLoadHeifBuffer',
    'VipsForeignLoadJpegBuffer',
    'VipsForeignLoadPngBuffer',
    'VipsForeignLoadWebpBuffer',
  ]);
  const red = { r: 255, g: 0, b: 0 };
  for (const format of ['gif', 'tiff'] as const) {
    const bytes = await solid(8, 8, red, format);
    await assert.rejects(sharp(bytes).metadata(), /unsupported image format/i, format);
  }
  const svg = text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
  await assert.rejects(sharp(svg).raw().toBuffer(), /unsupported image format/i, 'svg');
  // The allowed ones still load, so the unblock names are real libvips operation names.
  for (const format of ['jpeg', 'png', 'webp', 'avif'] as const) {
    const meta = await sharp(await solid(8, 8, red, format)).metadata();
    assert.equal(meta.width, 8, format);
  }
});
