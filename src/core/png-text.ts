/**
 * PNG text chunks and the AUTOMATIC1111 "infotext" stored in the `parameters` chunk.
 *
 * Pure Uint8Array code (no zlib, no Buffer) so it runs in the browser as well as in Node. Layout of
 * the infotext follows A1111's create_infotext / parse_generation_parameters (conventions.md §2).
 */
import { expectIntegerInRange, expectNumberInRange, expectPositiveInteger, invalidParameter, is } from '../validate.js';

// ---------------------------------------------------------------------------------------------
// CRC-32 (ISO-HDLC, the polynomial PNG uses)

let crcTable: Uint32Array | undefined;

function getCrcTable(): Uint32Array {
  if (crcTable) return crcTable;
  crcTable = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crcTable[n] = c >>> 0;
  }
  return crcTable;
}

/** CRC-32 of `bytes` (as stored after each PNG chunk, computed over type + data). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const table = getCrcTable();
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Chunk walking

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function hasPngSignature(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  return PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

export interface PngChunk {
  type: string;
  /** Offset of the chunk's length field. */
  offset: number;
  /** Offset of the chunk's data. */
  dataOffset: number;
  length: number;
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
}

function writeUint32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = (value >>> 16) & 0xff;
  bytes[offset + 2] = (value >>> 8) & 0xff;
  bytes[offset + 3] = value & 0xff;
}

/**
 * List the chunks of a PNG up to and including IEND. Stops quietly at the first chunk that runs
 * past the end of the data (`complete` is then false), so readers can still use what came before.
 */
export function listPngChunks(png: Uint8Array): { chunks: PngChunk[]; complete: boolean } {
  if (!(png instanceof Uint8Array) || !hasPngSignature(png)) throw invalidParameter('PNG bytes', 'png', png);
  const chunks: PngChunk[] = [];
  let offset = 8;
  while (offset + 12 <= png.length) {
    const length = readUint32(png, offset);
    if (offset + 12 + length > png.length) break;
    const type = String.fromCharCode(png[offset + 4], png[offset + 5], png[offset + 6], png[offset + 7]);
    chunks.push({ type, offset, dataOffset: offset + 8, length });
    offset += 12 + length;
    if (type === 'IEND') return { chunks, complete: true };
  }
  return { chunks, complete: false };
}

function makeChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  writeUint32(out, 0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  writeUint32(out, 8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Text chunks

const TEXT_CHUNK_TYPES = new Set(['tEXt', 'iTXt', 'zTXt']);

function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

// TextDecoder('latin1') is really windows-1252 (0x80–0x9F differ), so decode by hand.
function latin1String(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + 8192)));
  }
  return s;
}

/** PNG keywords: 1–79 printable Latin-1 characters, no leading, trailing or double spaces. */
function checkKeyword(keyword: string): void {
  const ok =
    keyword.length >= 1 &&
    keyword.length <= 79 &&
    /^[\x20-\x7e\xa1-\xff]+$/.test(keyword) &&
    !keyword.startsWith(' ') &&
    !keyword.endsWith(' ') &&
    !keyword.includes('  ');
  if (!ok) throw invalidParameter('PNG keyword of 1-79 printable Latin-1 characters', 'keyword', keyword);
}

function encodeTextChunk(keyword: string, value: string): Uint8Array {
  checkKeyword(keyword);
  if (!is.string(value) || value.includes('\0')) {
    throw invalidParameter('string without NUL characters', `entries.${keyword}`, value);
  }
  const key = latin1Bytes(keyword);
  if (isLatin1(value)) {
    // tEXt: keyword NUL text, like Pillow does for Latin-1 text.
    const text = latin1Bytes(value);
    const data = new Uint8Array(key.length + 1 + text.length);
    data.set(key, 0);
    data.set(text, key.length + 1);
    return makeChunk('tEXt', data);
  }
  // iTXt: keyword NUL, compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL, UTF-8 text.
  const text = new TextEncoder().encode(value);
  const data = new Uint8Array(key.length + 5 + text.length);
  data.set(key, 0);
  data.set(text, key.length + 5);
  return makeChunk('iTXt', data);
}

/**
 * Return a copy of `png` with one text chunk per entry placed before the first IDAT (so readers
 * that stop at image data still see them). Latin-1 values become tEXt, anything else UTF-8 iTXt.
 * Existing text chunks with the same keyword are dropped, so re-writing `parameters` replaces it.
 */
export function insertPngTextChunks(png: Uint8Array, entries: Record<string, string>): Uint8Array {
  if (!is.plainObject(entries)) throw invalidParameter('plain object of strings', 'entries', entries);
  const { chunks, complete } = listPngChunks(png);
  const firstIdat = chunks.findIndex((c) => c.type === 'IDAT');
  if (!complete || firstIdat < 0) throw invalidParameter('complete PNG (IHDR…IDAT…IEND)', 'png', png);

  const keywords = new Set(Object.keys(entries));
  const encoded = Object.entries(entries).map(([k, v]) => encodeTextChunk(k, v));
  const keep = chunks.filter((c) => !(TEXT_CHUNK_TYPES.has(c.type) && keywords.has(chunkKeyword(png, c))));

  const parts: Uint8Array[] = [png.subarray(0, 8)];
  let inserted = false;
  for (const chunk of keep) {
    if (!inserted && chunk.type === 'IDAT') {
      parts.push(...encoded);
      inserted = true;
    }
    parts.push(png.subarray(chunk.offset, chunk.dataOffset + chunk.length + 4));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function chunkKeyword(png: Uint8Array, chunk: PngChunk): string {
  const end = chunk.dataOffset + chunk.length;
  const nul = png.indexOf(0, chunk.dataOffset);
  return latin1String(png, chunk.dataOffset, nul < 0 || nul > end ? end : nul);
}

function decodeTextChunk(png: Uint8Array, chunk: PngChunk): [string, string] | undefined {
  const start = chunk.dataOffset;
  const end = start + chunk.length;
  const nul = png.indexOf(0, start);
  if (nul < 0 || nul >= end || nul === start) return undefined;
  const keyword = latin1String(png, start, nul);
  if (chunk.type === 'tEXt') return [keyword, latin1String(png, nul + 1, end)];
  if (chunk.type !== 'iTXt') return undefined; // zTXt needs zlib, which this portable module avoids.
  if (nul + 3 > end) return undefined;
  const compressed = png[nul + 1] !== 0;
  if (compressed) return undefined;
  const langEnd = png.indexOf(0, nul + 3);
  if (langEnd < 0 || langEnd >= end) return undefined;
  const transEnd = png.indexOf(0, langEnd + 1);
  if (transEnd < 0 || transEnd >= end) return undefined;
  try {
    return [keyword, new TextDecoder('utf-8', { fatal: true }).decode(png.subarray(transEnd + 1, end))];
  } catch {
    return undefined; // invalid UTF-8: skip rather than return mojibake
  }
}

/**
 * Read tEXt and uncompressed iTXt chunks (compressed zTXt/iTXt are skipped). A later chunk with the
 * same keyword wins, as in Pillow. A truncated file yields the chunks that were complete.
 */
export function readPngTextChunks(png: Uint8Array): Record<string, string> {
  const { chunks } = listPngChunks(png);
  const out: Record<string, string> = {};
  for (const chunk of chunks) {
    if (!TEXT_CHUNK_TYPES.has(chunk.type)) continue;
    const entry = decodeTextChunk(png, chunk);
    if (entry) out[entry[0]] = entry[1];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// A1111 infotext

export interface GenerationParameters {
  prompt: string;
  negativePrompt: string;
  steps: number;
  sampler: string;
  cfgScale?: number;
  seed: number;
  width: number;
  height: number;
  denoisingStrength?: number;
  model?: string;
  /** Further `Key: value` pairs, written after the standard ones in insertion order. */
  extra?: Record<string, string | number>;
}

/** Keys this module maps to named fields; everything else goes to `extra`. */
const STANDARD_KEYS = ['Steps', 'Sampler', 'CFG scale', 'Seed', 'Size', 'Model', 'Denoising strength'] as const;

/**
 * Used when an infotext lacks a field: A1111's own API defaults (conventions.md §1.2); seed -1 means
 * "unknown/random" there too.
 */
export const INFOTEXT_DEFAULTS = { steps: 50, sampler: 'Euler', seed: -1, width: 512, height: 512 } as const;

// A1111's key pattern: a word character, then at least one of word / space / '-' / '/'.
const KEY_PATTERN = /^[\p{L}\p{N}_][\p{L}\p{N}_ \-/]+$/u;
const PARAM_PATTERN = /\s*([\p{L}\p{N}_][\p{L}\p{N}_ \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)/gu;

/** A1111's quote(): JSON-encode values that would break the `Key: value, …` line. */
function quoteValue(value: string): string {
  return /[,:\n]/.test(value) ? JSON.stringify(value) : value;
}

function formatNumber(value: number): string {
  return String(value);
}

/**
 * Write parameters as A1111 infotext: prompt lines, an optional `Negative prompt:` line, then one
 * `Key: value, …` line. Lines of the prompt are trimmed on reading (as A1111 does), so keep them trimmed.
 */
export function formatInfotext(p: GenerationParameters): string {
  if (!is.plainObject(p)) throw invalidParameter('generation parameters object', 'parameters', p);
  if (!is.string(p.prompt)) throw invalidParameter('string', 'prompt', p.prompt);
  if (!is.string(p.negativePrompt)) throw invalidParameter('string', 'negativePrompt', p.negativePrompt);
  if (!is.string(p.sampler) || p.sampler.trim() === '') throw invalidParameter('non-empty string', 'sampler', p.sampler);
  expectPositiveInteger(p.steps, 'steps');
  expectIntegerInRange(p.seed, 'seed', -1, Number.MAX_SAFE_INTEGER);
  expectPositiveInteger(p.width, 'width');
  expectPositiveInteger(p.height, 'height');
  if (p.cfgScale !== undefined) expectNumberInRange(p.cfgScale, 'cfgScale', 0, 100);
  if (p.denoisingStrength !== undefined) expectNumberInRange(p.denoisingStrength, 'denoisingStrength', 0, 1);
  if (p.model !== undefined && !is.string(p.model)) throw invalidParameter('string', 'model', p.model);

  const pairs: [string, string][] = [
    ['Steps', formatNumber(p.steps)],
    ['Sampler', p.sampler],
  ];
  if (p.cfgScale !== undefined) pairs.push(['CFG scale', formatNumber(p.cfgScale)]);
  pairs.push(['Seed', formatNumber(p.seed)], ['Size', `${p.width}x${p.height}`]);
  if (p.model !== undefined && p.model !== '') pairs.push(['Model', p.model]);
  if (p.denoisingStrength !== undefined) pairs.push(['Denoising strength', formatNumber(p.denoisingStrength)]);
  if (p.extra !== undefined) {
    if (!is.plainObject(p.extra)) throw invalidParameter('plain object', 'extra', p.extra);
    for (const [key, value] of Object.entries(p.extra)) {
      if (!KEY_PATTERN.test(key) || key !== key.trim() || (STANDARD_KEYS as readonly string[]).includes(key)) {
        throw invalidParameter('infotext key (letters, digits, space, - or /; not a standard key)', 'extra key', key);
      }
      if (is.number(value)) pairs.push([key, formatNumber(value)]);
      else if (is.string(value)) pairs.push([key, value]);
      else throw invalidParameter('string or finite number', `extra.${key}`, value);
    }
  }

  const line = pairs.map(([k, v]) => `${k}: ${quoteValue(v)}`).join(', ');
  const negative = p.negativePrompt ? `\nNegative prompt: ${p.negativePrompt}` : '';
  return `${p.prompt}${negative}\n${line}`.trim();
}

export interface InfotextParts {
  prompt: string;
  negativePrompt: string;
  /** Every pair of the parameters line, values unquoted, in order of appearance. */
  pairs: Record<string, string>;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed === 'string') return parsed;
    } catch {
      // A1111 keeps the raw text when it is not valid JSON; so do we.
    }
  }
  return value;
}

/** Split infotext into prompt, negative prompt and raw `Key: value` pairs, following A1111's parser. */
export function parseInfotextParts(text: string): InfotextParts {
  if (!is.string(text)) throw invalidParameter('string', 'text', text);
  const lines = text.trim().replace(/\r\n?/g, '\n').split('\n');
  let lastLine = lines.pop() ?? '';
  const matches = [...lastLine.matchAll(PARAM_PATTERN)].filter((m) => m[0].length > 0);
  if (matches.length < 3) {
    lines.push(lastLine);
    lastLine = '';
  }

  let prompt = '';
  let negativePrompt = '';
  let inNegative = false;
  for (let line of lines) {
    line = line.trim();
    if (line.startsWith('Negative prompt:')) {
      inNegative = true;
      line = line.slice('Negative prompt:'.length).trim();
    }
    if (inNegative) negativePrompt += (negativePrompt === '' ? '' : '\n') + line;
    else prompt += (prompt === '' ? '' : '\n') + line;
  }

  const pairs: Record<string, string> = {};
  if (lastLine) for (const m of matches) pairs[m[1].trim()] = unquote(m[2].trim());
  return { prompt, negativePrompt, pairs };
}

const NUMBER_TEXT = /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i;

function toNumber(value: string | undefined): number | undefined {
  if (value === undefined || !NUMBER_TEXT.test(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Parse A1111 infotext. Missing Steps/Sampler/Seed/Size take INFOTEXT_DEFAULTS. Pairs other than the
 * standard ones land in `extra`; a numeric-looking value becomes a number there.
 */
export function parseInfotext(text: string): GenerationParameters {
  const { prompt, negativePrompt, pairs } = parseInfotextParts(text);
  const size = /^(\d+)x(\d+)$/.exec(pairs['Size'] ?? '');
  const steps = toNumber(pairs['Steps']);
  const seed = toNumber(pairs['Seed']);
  const result: GenerationParameters = {
    prompt,
    negativePrompt,
    steps: steps !== undefined && Number.isInteger(steps) ? steps : INFOTEXT_DEFAULTS.steps,
    sampler: pairs['Sampler'] || INFOTEXT_DEFAULTS.sampler,
    seed: seed !== undefined && Number.isInteger(seed) ? seed : INFOTEXT_DEFAULTS.seed,
    width: size ? Number(size[1]) : INFOTEXT_DEFAULTS.width,
    height: size ? Number(size[2]) : INFOTEXT_DEFAULTS.height,
  };
  const cfg = toNumber(pairs['CFG scale']);
  if (cfg !== undefined) result.cfgScale = cfg;
  const strength = toNumber(pairs['Denoising strength']);
  if (strength !== undefined) result.denoisingStrength = strength;
  if (pairs['Model'] !== undefined) result.model = pairs['Model'];

  const extra: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(pairs)) {
    if ((STANDARD_KEYS as readonly string[]).includes(key)) continue;
    extra[key] = toNumber(value) ?? value;
  }
  if (Object.keys(extra).length > 0) result.extra = extra;
  return result;
}

/** The infotext of a PNG's `parameters` chunk, or undefined when it has none. */
export function readInfotext(png: Uint8Array): GenerationParameters | undefined {
  const text = readPngTextChunks(png)['parameters'];
  return text === undefined ? undefined : parseInfotext(text);
}
