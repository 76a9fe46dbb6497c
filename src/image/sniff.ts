/**
 * Content-based type detection. The decision uses magic bytes only, never a file name or a
 * Content-Type header (OWASP file-upload advice). We check the accepted formats and the usual
 * impostors ourselves, because file-type does not detect SVG/XML/text at all and sharp would happily
 * render an SVG; file-type is then asked only to put a name on anything else.
 */
import { fileTypeFromBuffer } from 'file-type';

export const ACCEPTED_FORMATS = ['jpeg', 'png', 'webp', 'avif'] as const;
export type ImageFormat = (typeof ACCEPTED_FORMATS)[number];

export type SniffResult =
  | { accepted: true; format: ImageFormat; name: string; mime: string }
  /** `name` is for people ("SVG", "GIF", "text"); mime when known. */
  | { accepted: false; name: string; mime?: string };

const ACCEPTED: Record<ImageFormat, { name: string; mime: string }> = {
  jpeg: { name: 'JPEG', mime: 'image/jpeg' },
  png: { name: 'PNG', mime: 'image/png' },
  webp: { name: 'WebP', mime: 'image/webp' },
  avif: { name: 'AVIF', mime: 'image/avif' },
};

/** A short phrase listing what we take, for error messages. */
export const ACCEPTED_FORMATS_TEXT = 'a JPEG, PNG, WebP or AVIF photo';

function startsWith(bytes: Uint8Array, magic: readonly number[], at = 0): boolean {
  if (bytes.length < at + magic.length) return false;
  return magic.every((b, i) => bytes[at + i] === b);
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, Math.min(end, bytes.length)));
}

function accepted(format: ImageFormat): SniffResult {
  return { accepted: true, format, ...ACCEPTED[format] };
}

function rejected(name: string, mime?: string): SniffResult {
  return mime === undefined ? { accepted: false, name } : { accepted: false, name, mime };
}

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);
const AVIF_BRANDS = new Set(['avif', 'avis']);

/** ISO-BMFF `ftyp` box: AVIF and HEIC share the container, so look at the brands. */
function sniffIsoBmff(bytes: Uint8Array): SniffResult | undefined {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== 'ftyp') return undefined;
  const boxSize = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const end = Math.min(bytes.length, Math.max(16, boxSize));
  const brands = [ascii(bytes, 8, 12)];
  for (let at = 16; at + 4 <= end; at += 4) brands.push(ascii(bytes, at, at + 4));
  if (brands.some((b) => HEIC_BRANDS.has(b))) return rejected('HEIC', 'image/heic');
  if (brands.some((b) => AVIF_BRANDS.has(b))) return accepted('avif');
  if (brands.includes('mif1') || brands.includes('msf1')) return rejected('HEIF', 'image/heif');
  return undefined; // MP4, MOV, …: let file-type name it
}

/** Printable text (UTF-8 allowed): no NULs or odd control bytes in the first 4 KB. */
function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  for (const b of head) {
    if (b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f) return false;
  }
  return true;
}

function sniffText(bytes: Uint8Array): SniffResult | undefined {
  let head = bytes.subarray(0, 4096);
  if (startsWith(head, [0xef, 0xbb, 0xbf])) head = head.subarray(3);
  if (!looksLikeText(head)) return undefined;
  let decoded: string;
  try {
    // Text must be valid UTF-8; `stream` lets a character split by the 4 KB cut pass.
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: bytes.length > 4096 });
  } catch {
    return undefined;
  }
  const text = decoded.trimStart().toLowerCase();
  if (/<svg[\s>/]/.test(text) || text.startsWith('<svg')) return rejected('SVG', 'image/svg+xml');
  if (text.startsWith('<!doctype html') || text.startsWith('<html')) return rejected('HTML', 'text/html');
  if (text.startsWith('<?xml') || text.startsWith('<')) return rejected('XML', 'application/xml');
  return rejected('text', 'text/plain');
}

/** Decide from the bytes alone what the input is, and whether we accept it. */
export async function sniffImageType(bytes: Uint8Array): Promise<SniffResult> {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return accepted('jpeg');
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return accepted('png');
  if (bytes.length >= 16 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return accepted('webp');
  const iso = sniffIsoBmff(bytes);
  if (iso) return iso;

  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return rejected('GIF', 'image/gif');
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) {
    return rejected('TIFF', 'image/tiff');
  }
  if (startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])) {
    return rejected('BigTIFF', 'image/tiff');
  }
  if (ascii(bytes, 0, 5) === '%PDF-') return rejected('PDF', 'application/pdf');
  if (bytes.length >= 14 && ascii(bytes, 0, 2) === 'BM') return rejected('BMP', 'image/bmp');

  const text = sniffText(bytes);
  if (text) return text;

  try {
    const found = await fileTypeFromBuffer(bytes);
    if (found) return rejected(found.ext.toUpperCase(), found.mime);
  } catch {
    // file-type only names things; a failure there just means "unknown".
  }
  return rejected('unrecognised data');
}
