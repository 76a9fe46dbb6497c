/**
 * The size an image's header declares, read from the bytes themselves before any decoder sees them,
 * so a pixel bomb is refused even when the rest of the file is missing or broken (a decoder would
 * call that "corrupt" and hide that it was a bomb). Unknown layouts return undefined.
 */
import type { ImageFormat } from './sniff.js';

export function readDeclaredSize(bytes: Uint8Array, format: ImageFormat): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === 'png') {
    // Signature (8) + IHDR length (4) + "IHDR" (4) → width, height as big-endian uint32.
    if (bytes.length < 24 || view.getUint32(12) !== 0x49484452) return undefined;
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (format === 'jpeg') {
    let offset = 2;
    while (offset + 9 < bytes.length) {
      if (bytes[offset] !== 0xff) return undefined;
      const marker = bytes[offset + 1];
      if (marker === 0xff) {
        offset++;
        continue;
      }
      const length = view.getUint16(offset + 2);
      // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: view.getUint16(offset + 7), height: view.getUint16(offset + 5) };
      }
      if (marker === 0xda || length < 2) return undefined;
      offset += 2 + length;
    }
    return undefined;
  }
  if (format === 'webp') {
    if (bytes.length < 30) return undefined;
    const chunk = String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]);
    if (chunk === 'VP8X') {
      const w = 1 + (bytes[24] | (bytes[25] << 8) | (bytes[26] << 16));
      const h = 1 + (bytes[27] | (bytes[28] << 8) | (bytes[29] << 16));
      return { width: w, height: h };
    }
    if (chunk === 'VP8 ') return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
    if (chunk === 'VP8L') {
      const bits = view.getUint32(21, true);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
  }
  if (format === 'avif') return readIspeSize(bytes, view);
  return undefined;
}

/**
 * AVIF declares sizes in `ispe` properties (meta → iprp → ipco → ispe: 32-bit width and height).
 * A file may hold several (grid and tiles, alpha plane); the largest width and largest height are
 * returned, so no item can smuggle a bomb past the check (tiles and alpha are never larger than the
 * grid, so for real files this is the primary image's size). Without this, a 32-bit ispe reaches
 * libheif and libvips, which log GLib criticals for widths over 2^31 before failing (found by
 * scripts/fuzz.ts).
 */
function readIspeSize(bytes: Uint8Array, view: DataView): { width: number; height: number } | undefined {
  let largest: { width: number; height: number } | undefined;
  // Box walking with hard bounds: offsets only move forward, and the nesting is fixed (4 levels).
  const children = (start: number, end: number, visit: (type: string, bodyStart: number, boxEnd: number) => void) => {
    let offset = start;
    for (let guard = 0; guard < 4096 && offset + 8 <= end; guard++) {
      let size = view.getUint32(offset);
      let header = 8;
      if (size === 1) {
        if (offset + 16 > end) return;
        // 64-bit size: anything past 2^32 is past the end of any buffer we would accept anyway.
        size = view.getUint32(offset + 8) === 0 ? view.getUint32(offset + 12) : Number.MAX_SAFE_INTEGER;
        header = 16;
      } else if (size === 0) {
        size = end - offset;
      }
      if (size < header) return;
      const boxEnd = Math.min(end, offset + size);
      visit(String.fromCharCode(bytes[offset + 4], bytes[offset + 5], bytes[offset + 6], bytes[offset + 7]), offset + header, boxEnd);
      offset += size;
    }
  };
  children(0, bytes.length, (type, body, end) => {
    if (type !== 'meta') return;
    // meta is a full box: 4 bytes of version and flags before its children.
    children(body + 4, end, (type, body, end) => {
      if (type !== 'iprp') return;
      children(body, end, (type, body, end) => {
        if (type !== 'ipco') return;
        children(body, end, (type, body, end) => {
          if (type !== 'ispe' || body + 12 > end) return;
          const width = view.getUint32(body + 4);
          const height = view.getUint32(body + 8);
          largest = largest ? { width: Math.max(largest.width, width), height: Math.max(largest.height, height) } : { width, height };
        });
      });
    });
  });
  return largest;
}
