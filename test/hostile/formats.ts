/**
 * Byte-level surgery on PNG, JPEG and WebP files, for building hostile inputs by hand: the point is
 * to produce exactly the malformation we want (a header field, a CRC, a segment) on top of a file
 * that is otherwise valid, which no encoder would write for us.
 */
import { deflateSync } from 'node:zlib';
import { crc32 } from '../../src/core/png-text.js';

export const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// PNG

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** One PNG chunk (length, type, data, CRC); `badCrc` stores the CRC inverted. */
export function pngChunk(type: string, data: Uint8Array, badCrc = false): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(ascii(type), 4);
  out.set(data, 8);
  const crc = crc32(out, 4, 8 + data.length);
  view.setUint32(8 + data.length, badCrc ? (crc ^ 0xffffffff) >>> 0 : crc);
  return out;
}

export interface PngChunkSpan {
  type: string;
  /** Offset of the length field. */
  offset: number;
  length: number;
}

/** The chunks of a PNG, stopping at IEND or at the first chunk that runs past the end. */
export function pngChunks(png: Uint8Array): PngChunkSpan[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: PngChunkSpan[] = [];
  let offset = 8;
  while (offset + 12 <= png.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8));
    if (offset + 12 + length > png.length) break;
    chunks.push({ type, offset, length });
    if (type === 'IEND') break;
    offset += 12 + length;
  }
  return chunks;
}

/** A copy of `png` with the first chunk of `type` patched, its CRC recomputed (or broken). */
export function patchPng(png: Uint8Array, type: string, patch: (data: DataView, bytes: Uint8Array) => void, fixCrc = true): Uint8Array {
  const out = Uint8Array.from(png);
  const chunk = pngChunks(out).find((c) => c.type === type);
  if (!chunk) throw new Error(`no ${type} chunk`);
  const data = out.subarray(chunk.offset + 8, chunk.offset + 8 + chunk.length);
  patch(new DataView(data.buffer, data.byteOffset, data.byteLength), data);
  const crc = crc32(out, chunk.offset + 4, chunk.offset + 8 + chunk.length);
  new DataView(out.buffer).setUint32(chunk.offset + 8 + chunk.length, fixCrc ? crc : (crc ^ 0xffffffff) >>> 0);
  return out;
}

/** Insert whole chunks right after IHDR (where ancillary chunks like iCCP, eXIf and tEXt may sit). */
export function insertPngChunksAfterIhdr(png: Uint8Array, ...chunks: Uint8Array[]): Uint8Array {
  const ihdr = pngChunks(png).find((c) => c.type === 'IHDR');
  if (!ihdr) throw new Error('no IHDR');
  const at = ihdr.offset + 12 + ihdr.length;
  return concat(png.subarray(0, at), ...chunks, png.subarray(at));
}

/**
 * A complete, valid greyscale PNG of any declared size whose pixels are all black: 1 bit per pixel,
 * so the IDAT of a 16384×16384 image deflates to about 33 KB. This is a real decompression bomb
 * (every pixel is really there), not just a lying header.
 */
export function blackPng(width: number, height: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale, deflate, filter 0, no interlace
  const rowBytes = 1 + Math.ceil(width / 8); // filter byte + packed bits, all zero
  const raw = new Uint8Array(rowBytes * height);
  return concat(PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(raw, { level: 9 })), pngChunk('IEND', new Uint8Array(0)));
}

// ---------------------------------------------------------------------------------------------
// JPEG

/** A JPEG marker segment: FF, marker, 16-bit length (including itself), payload (≤ 65533 bytes). */
export function jpegSegment(marker: number, payload: Uint8Array): Uint8Array {
  if (payload.length > 65533) throw new Error('JPEG segment payload too long');
  const out = new Uint8Array(4 + payload.length);
  out[0] = 0xff;
  out[1] = marker;
  new DataView(out.buffer).setUint16(2, payload.length + 2);
  out.set(payload, 4);
  return out;
}

/** Insert segments right after SOI (FF D8). */
export function insertJpegSegments(jpeg: Uint8Array, ...segments: Uint8Array[]): Uint8Array {
  return concat(jpeg.subarray(0, 2), ...segments, jpeg.subarray(2));
}

/** Offset of the first SOFn marker (FF Cx, not DHT/JPG/DAC), walking segments from SOI. */
export function jpegSofOffset(jpeg: Uint8Array): number {
  const view = new DataView(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
  let offset = 2;
  while (offset + 4 <= jpeg.length) {
    if (jpeg[offset] !== 0xff) throw new Error(`no marker at ${offset}`);
    const marker = jpeg[offset + 1];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return offset;
    offset += 2 + view.getUint16(offset + 2);
  }
  throw new Error('no SOF marker');
}

/** A copy with the frame size in SOF replaced (height and width are 16-bit big-endian). */
export function patchJpegSize(jpeg: Uint8Array, width: number, height: number): Uint8Array {
  const out = Uint8Array.from(jpeg);
  const sof = jpegSofOffset(out);
  const view = new DataView(out.buffer);
  view.setUint16(sof + 5, height);
  view.setUint16(sof + 7, width);
  return out;
}

// ---------------------------------------------------------------------------------------------
// WebP (RIFF)

/** The first chunk after the RIFF/WEBP header: 'VP8 ', 'VP8L' or 'VP8X'. */
export function webpFirstChunk(webp: Uint8Array): string {
  return String.fromCharCode(...webp.subarray(12, 16));
}

/** A copy with the declared size replaced in whichever header the file starts with. */
export function patchWebpSize(webp: Uint8Array, width: number, height: number): Uint8Array {
  const out = Uint8Array.from(webp);
  const view = new DataView(out.buffer);
  const chunk = webpFirstChunk(out);
  if (chunk === 'VP8X') {
    // Canvas size minus one, 24-bit little-endian each.
    const w = width - 1;
    const h = height - 1;
    out.set([w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xff, h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff], 24);
  } else if (chunk === 'VP8 ') {
    // Key frame header: 14-bit width and height after the start code, top 2 bits are scaling.
    view.setUint16(26, (view.getUint16(26, true) & 0xc000) | (width & 0x3fff), true);
    view.setUint16(28, (view.getUint16(28, true) & 0xc000) | (height & 0x3fff), true);
  } else if (chunk === 'VP8L') {
    // After the 0x2f signature: 14 bits width-1, 14 bits height-1, then alpha and version bits.
    const bits = view.getUint32(21, true);
    const rest = bits & 0xf0000000;
    view.setUint32(21, (rest | (((height - 1) & 0x3fff) << 14) | ((width - 1) & 0x3fff)) >>> 0, true);
  } else {
    throw new Error(`unknown WebP chunk ${chunk}`);
  }
  return out;
}

/** A RIFF chunk (fourcc, 32-bit LE size, data, pad byte to even length). */
export function riffChunk(fourcc: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length + (data.length & 1));
  out.set(ascii(fourcc), 0);
  new DataView(out.buffer).setUint32(4, data.length, true);
  out.set(data, 8);
  return out;
}

// ---------------------------------------------------------------------------------------------
// ISO-BMFF (AVIF/HEIC)

/** A copy with the first `ispe` box's width and height replaced (AVIF's declared image size). */
export function patchIspe(avif: Uint8Array, width: number, height: number): Uint8Array {
  const out = Uint8Array.from(avif);
  const at = indexOf(out, ascii('ispe'));
  if (at < 0) throw new Error('no ispe box');
  // 'ispe' is followed by version/flags (4), width (4), height (4).
  const view = new DataView(out.buffer);
  view.setUint32(at + 8, width);
  view.setUint32(at + 12, height);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Other formats, only as much as their magic and headers need

/** A valid uncompressed 24-bit BMP (BITMAPINFOHEADER) of one colour. */
export function solidBmp(width: number, height: number, rgb: readonly [number, number, number]): Uint8Array {
  const rowBytes = (width * 3 + 3) & ~3;
  const size = 54 + rowBytes * height;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(ascii('BM'), 0);
  view.setUint32(2, size, true);
  view.setUint32(10, 54, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, width, true);
  view.setInt32(22, height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, 24, true);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out.set([rgb[2], rgb[1], rgb[0]], 54 + y * rowBytes + x * 3);
  }
  return out;
}
