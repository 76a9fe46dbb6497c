/**
 * Seeded mutation fuzzer for the untrusted-input entry points: `decodeImage` (sniff → header size
 * check → sharp metadata → full decode) and, for whatever still decodes, the analyser.
 *
 *   node --import tsx scripts/fuzz.ts [--count 100000] [--analyse 500] [--seed 1] [--out /tmp/anime-me-fuzz]
 *   (env: FUZZ_COUNT, FUZZ_ANALYSE_COUNT, FUZZ_SEED, FUZZ_CONCURRENCY, FUZZ_MAX_MS)
 *
 * Seeds are the fixture photos themselves plus small re-encodings of them in every layout we accept
 * (baseline/progressive JPEG, RGB/palette/16-bit/interlaced/alpha PNG, lossy/lossless WebP, AVIF, with
 * and without EXIF/ICC), following libvips' OSS-Fuzz targets, which skip images over 100×100 so time
 * goes into parser paths rather than big allocations. For the same reason decoding is capped at
 * 1 MP (`FUZZ_MAX_PIXELS`): a mutated header that declares more is refused by the size check, which
 * is itself a path under test.
 *
 * Every input is derived from (seed, index) alone, so `--seed S --start i --count 1` reproduces input
 * i exactly. In script mode the index about to run is written to `<out>/current.json` first, so even
 * a native crash (which kills the process with no JS left to run) names its reproducer; any escape
 * (a rejection that is not an AnimeMeError, a malformed result, or an input over the time bound) is
 * saved to `<out>/` with its mutation history.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { mulberry32 } from '../src/core/mulberry32.js';
import { crc32 } from '../src/core/png-text.js';
import type { Analyser } from '../src/core/types.js';
import { AnimeMeError } from '../src/errors.js';
import { decodeImage, type DecodeOptions } from '../src/image/decode.js';
import { sharp } from '../src/image/sharp-setup.js';

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  pick<T>(list: readonly T[]): T;
}

/** Seeded (mulberry32), so a failing input can be made again from its seed. */
export function createRandom(seed: number): Random {
  const next = mulberry32(seed);
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (list) => list[Math.floor(next() * list.length)],
  };
}

/** A per-input seed mixed from the run seed and the index, so inputs are independent of run order. */
export function inputSeed(seed: number, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ index, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Mutations

export const MUTATIONS = [
  'bit-flip',
  'byte-set',
  'interesting-value',
  'insert',
  'delete',
  'duplicate',
  'splice',
  'truncate',
  'header-field',
  'chunk-swap',
] as const;
export type MutationKind = (typeof MUTATIONS)[number];

/** Boundary values that trip off-by-one and overflow checks in size and length fields. */
const INTERESTING: readonly number[] = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x4000, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

function writeValue(bytes: Uint8Array, at: number, value: number, width: 1 | 2 | 4, littleEndian: boolean): void {
  for (let i = 0; i < width; i++) {
    const shift = littleEndian ? 8 * i : 8 * (width - 1 - i);
    if (at + i < bytes.length) bytes[at + i] = (value >>> shift) & 0xff;
  }
}

/** Offsets of fields that decoders trust: sizes, depths, component counts, segment and chunk lengths. */
function headerFields(bytes: Uint8Array): { at: number; width: 1 | 2 | 4; littleEndian: boolean }[] {
  const fields: { at: number; width: 1 | 2 | 4; littleEndian: boolean }[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] === 0x89 && bytes[1] === 0x50) {
    // PNG: every chunk length, plus IHDR width, height, depth, colour type, interlace.
    let offset = 8;
    while (offset + 12 <= bytes.length && fields.length < 64) {
      fields.push({ at: offset, width: 4, littleEndian: false });
      const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
      if (type === 'IHDR') {
        fields.push({ at: offset + 8, width: 4, littleEndian: false }, { at: offset + 12, width: 4, littleEndian: false });
        for (const k of [16, 17, 20]) fields.push({ at: offset + k, width: 1, littleEndian: false });
      }
      offset += 12 + view.getUint32(offset);
    }
  } else if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    // JPEG: every segment length up to SOS, plus SOF precision, size, component count and sampling.
    let offset = 2;
    while (offset + 4 <= bytes.length && bytes[offset] === 0xff && fields.length < 64) {
      const marker = bytes[offset + 1];
      fields.push({ at: offset + 2, width: 2, littleEndian: false });
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        fields.push({ at: offset + 4, width: 1, littleEndian: false });
        fields.push({ at: offset + 5, width: 2, littleEndian: false }, { at: offset + 7, width: 2, littleEndian: false });
        fields.push({ at: offset + 9, width: 1, littleEndian: false }, { at: offset + 11, width: 1, littleEndian: false });
      }
      if (marker === 0xda) break;
      offset += 2 + view.getUint16(offset + 2);
    }
  } else if (bytes.length >= 30 && String.fromCharCode(...bytes.subarray(8, 12)) === 'WEBP') {
    // WebP: RIFF size, first chunk size, VP8X canvas / VP8 frame size / VP8L size bits.
    fields.push({ at: 4, width: 4, littleEndian: true }, { at: 16, width: 4, littleEndian: true });
    fields.push({ at: 20, width: 1, littleEndian: true }, { at: 24, width: 2, littleEndian: true }, { at: 27, width: 2, littleEndian: true });
    fields.push({ at: 26, width: 2, littleEndian: true }, { at: 28, width: 2, littleEndian: true }, { at: 21, width: 4, littleEndian: true });
  } else if (bytes.length >= 16 && String.fromCharCode(...bytes.subarray(4, 8)) === 'ftyp') {
    // ISO-BMFF: box sizes near the start and the ispe size, if present.
    fields.push({ at: 0, width: 4, littleEndian: false });
    const ispe = findAscii(bytes, 'ispe');
    if (ispe >= 0) fields.push({ at: ispe + 8, width: 4, littleEndian: false }, { at: ispe + 12, width: 4, littleEndian: false });
    const meta = findAscii(bytes, 'meta');
    if (meta >= 4) fields.push({ at: meta - 4, width: 4, littleEndian: false });
  }
  return fields.filter((f) => f.at + f.width <= bytes.length);
}

function findAscii(bytes: Uint8Array, text: string): number {
  const codes = [...text].map((c) => c.charCodeAt(0));
  outer: for (let i = 0; i + codes.length <= bytes.length && i < 65536; i++) {
    for (let j = 0; j < codes.length; j++) if (bytes[i + j] !== codes[j]) continue outer;
    return i;
  }
  return -1;
}

/** Recompute every PNG chunk CRC, so mutated chunk contents reach libpng's parsers instead of its CRC check. */
export function fixPngCrcs(bytes: Uint8Array): void {
  if (!(bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47)) return;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  while (offset + 12 <= bytes.length) {
    const length = view.getUint32(offset);
    if (offset + 12 + length > bytes.length) return;
    view.setUint32(offset + 8 + length, crc32(bytes, offset + 4, offset + 8 + length));
    offset += 12 + length;
  }
}

/** Apply one mutation of `kind`; returns new bytes (the input is not changed). */
function applyMutation(input: Uint8Array, kind: MutationKind, random: Random, donors: readonly Uint8Array[]): Uint8Array {
  const n = input.length;
  // Most of a file is entropy-coded pixel data; bias positions towards the first 1 KB, where the
  // headers and tables whose parsing we want to exercise live.
  const position = (limit = n) => (limit <= 0 ? 0 : random.next() < 0.6 ? random.int(Math.min(limit, 1024)) : random.int(limit));
  switch (kind) {
    case 'bit-flip': {
      const out = Uint8Array.from(input);
      const flips = 1 + random.int(8);
      for (let i = 0; i < flips && n > 0; i++) out[position()] ^= 1 << random.int(8);
      return out;
    }
    case 'byte-set': {
      const out = Uint8Array.from(input);
      if (n > 0) out[position()] = random.int(256);
      return out;
    }
    case 'interesting-value': {
      const out = Uint8Array.from(input);
      if (n > 0) writeValue(out, position(), random.pick(INTERESTING), random.pick([1, 2, 4] as const), random.next() < 0.5);
      return out;
    }
    case 'insert': {
      const at = position(n + 1);
      const length = 1 + random.int(random.next() < 0.8 ? 16 : 4096);
      const filler = random.next() < 0.5 ? Uint8Array.from({ length }, () => random.int(256)) : new Uint8Array(length).fill(random.pick([0, 0xff]));
      return concatBytes(input.subarray(0, at), filler, input.subarray(at));
    }
    case 'delete': {
      if (n < 2) return input.slice();
      const at = position(n - 1);
      const length = 1 + random.int(Math.min(random.next() < 0.8 ? 16 : 4096, n - at - 1));
      return concatBytes(input.subarray(0, at), input.subarray(at + length));
    }
    case 'duplicate': {
      if (n < 2) return input.slice();
      const from = random.int(n - 1);
      const length = 1 + random.int(Math.min(512, n - from - 1));
      const at = position(n + 1);
      return concatBytes(input.subarray(0, at), input.subarray(from, from + length), input.subarray(at));
    }
    case 'splice': {
      // A slice of another seed (often another format) dropped in: mixes valid structures from two files.
      const donor = random.pick(donors);
      if (donor.length < 2) return input.slice();
      const from = random.int(donor.length - 1);
      const length = 1 + random.int(Math.min(2048, donor.length - from - 1));
      const at = position(n + 1);
      const replace = random.next() < 0.5 ? Math.min(length, n - at) : 0;
      return concatBytes(input.subarray(0, at), donor.subarray(from, from + length), input.subarray(at + replace));
    }
    case 'truncate': {
      return input.slice(0, random.int(n + 1));
    }
    case 'header-field': {
      const fields = headerFields(input);
      if (fields.length === 0) return applyMutation(input, 'interesting-value', random, donors);
      const out = Uint8Array.from(input);
      const field = random.pick(fields);
      const value = random.next() < 0.7 ? random.pick(INTERESTING) : random.int(2 ** 16);
      writeValue(out, field.at, value, field.width, field.littleEndian);
      return out;
    }
    case 'chunk-swap': {
      // Move a block to a different place: reorders PNG chunks / JPEG segments roughly.
      if (n < 16) return input.slice();
      const from = 8 + random.int(n - 8);
      const length = 1 + random.int(Math.min(256, n - from));
      const block = input.slice(from, from + length);
      const without = concatBytes(input.subarray(0, from), input.subarray(from + length));
      const at = 8 + random.int(Math.max(1, without.length - 8));
      return concatBytes(without.subarray(0, at), block, without.subarray(at));
    }
  }
}

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface Mutated {
  bytes: Uint8Array;
  /** Which seed it started from and what was done to it, for the report and reproducers. */
  seedName: string;
  mutations: string[];
}

/** Build input `index` of a run: pick a seed, apply 1–4 mutations, sometimes re-fix PNG CRCs. */
export function mutateInput(seeds: readonly FuzzSeed[], runSeed: number, index: number): Mutated {
  const random = createRandom(inputSeed(runSeed, index));
  const seed = random.pick(seeds);
  const donors = seeds.map((s) => s.bytes);
  let bytes: Uint8Array = seed.bytes;
  const mutations: string[] = [];
  const count = 1 + (random.next() < 0.6 ? 0 : random.int(4));
  for (let i = 0; i < count; i++) {
    const kind = random.pick(MUTATIONS);
    bytes = applyMutation(bytes, kind, random, donors);
    mutations.push(kind);
  }
  if (random.next() < 0.5) {
    fixPngCrcs(bytes);
    mutations.push('fix-png-crc');
  }
  return { bytes, seedName: seed.name, mutations };
}

// ---------------------------------------------------------------------------------------------
// Seeds

export interface FuzzSeed {
  name: string;
  bytes: Uint8Array;
}

export const FIXTURE_PHOTOS = new URL('../test/fixtures/photos/', import.meta.url);

/** The fixture photos, unchanged, and each one re-encoded small in every accepted layout. */
export async function loadSeeds(folder: URL = FIXTURE_PHOTOS, smallSide = 64): Promise<FuzzSeed[]> {
  const names = readdirSync(folder).filter((n) => /\.(jpe?g|png|webp|avif)$/i.test(n)).sort();
  const seeds: FuzzSeed[] = [];
  for (const name of names) {
    const original = new Uint8Array(readFileSync(new URL(name, folder)));
    seeds.push({ name, bytes: original });
    const small = sharp(original).resize({ width: smallSide, height: smallSide, fit: 'inside' });
    const variants: [string, () => Promise<Buffer>][] = [
      ['baseline.jpg', () => small.clone().jpeg({ quality: 80 }).toBuffer()],
      ['progressive.jpg', () => small.clone().jpeg({ quality: 80, progressive: true, chromaSubsampling: '4:4:4' }).toBuffer()],
      ['exif-icc.jpg', () => small.clone().jpeg().withExif({ IFD0: { Orientation: '6', ImageDescription: 'fuzz' } }).withIccProfile('p3').toBuffer()],
      ['grey.jpg', () => small.clone().toColourspace('b-w').jpeg().toBuffer()],
      ['rgb.png', () => small.clone().png().toBuffer()],
      ['palette.png', () => small.clone().png({ palette: true, colours: 16 }).toBuffer()],
      ['interlaced.png', () => small.clone().png({ progressive: true }).toBuffer()],
      ['rgb16.png', () => small.clone().toColourspace('rgb16').png().toBuffer()],
      ['alpha.png', () => small.clone().ensureAlpha(0.5).png().toBuffer()],
      ['lossy.webp', () => small.clone().webp({ quality: 70 }).toBuffer()],
      ['lossless-alpha.webp', () => small.clone().ensureAlpha(0.5).webp({ lossless: true }).toBuffer()],
      ['exif.webp', () => small.clone().webp().withExif({ IFD0: { Orientation: '3' } }).toBuffer()],
      ['small.avif', () => small.clone().avif({ quality: 50, effort: 0 }).toBuffer()],
    ];
    for (const [suffix, make] of variants) seeds.push({ name: `${name}:${suffix}`, bytes: new Uint8Array(await make()) });
  }
  return seeds;
}

// ---------------------------------------------------------------------------------------------
// Running

export interface Escape {
  index: number;
  seedName: string;
  mutations: string[];
  entry: 'decode' | 'analyse';
  /** 'non-AnimeMeError', 'bad-result', 'over-time' or 'multi-line-message'. */
  kind: string;
  message: string;
  ms: number;
  bytes: Uint8Array;
}

export interface FuzzOptions {
  /** Mutated inputs through decodeImage (default 10 000). */
  count?: number;
  /** Of those, how many that decode are also passed to the analyser (default 0). */
  analyseCount?: number;
  seed?: number;
  /** First index (to reproduce one input: start = i, count = 1). */
  start?: number;
  /** Inputs in flight at once (default 2: sharp runs on libuv's pool, two keep two cores busy). */
  concurrency?: number;
  /** An input taking longer than this is an escape (default 5000 ms). */
  maxMs?: number;
  decodeOptions?: DecodeOptions;
  /** The decode entry under test (default decodeImage); replaceable so the harness itself can be tested. */
  decode?: typeof decodeImage;
  analyser?: Analyser;
  seeds?: readonly FuzzSeed[];
  /** Called before each input runs (the script writes a crash checkpoint here). */
  onInput?: (index: number) => void;
  onProgress?: (done: number, total: number) => void;
}

export interface FuzzReport {
  seed: number;
  start: number;
  inputs: number;
  seeds: number;
  decoded: number;
  /** Rejections by AnimeMeError code. */
  rejected: Record<string, number>;
  analysed: number;
  analyseRejected: Record<string, number>;
  escapes: Escape[];
  maxMs: { decode: number; analyse: number };
  totalMs: number;
  mutations: Record<string, number>;
}

/** Defaults for decoding fuzz inputs: 1 MP cap, as libvips' fuzz targets skip large images. */
export const FUZZ_DECODE_OPTIONS: DecodeOptions = { maxPixels: 1_000_000 };

const TIMED_OUT = Symbol('timed out');

async function timed<T>(work: () => Promise<T>, limitMs: number): Promise<{ value?: T; error?: unknown; timedOut: boolean; ms: number }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  // The watchdog gives up waiting (a native call cannot be cancelled) so one hang cannot stall the run.
  const watchdog = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), limitMs * 2);
  });
  try {
    const value = await Promise.race([work(), watchdog]);
    const ms = performance.now() - started;
    return value === TIMED_OUT ? { timedOut: true, ms } : { value: value as T, timedOut: false, ms };
  } catch (error) {
    return { error, timedOut: false, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

export async function runFuzz(options: FuzzOptions = {}): Promise<FuzzReport> {
  const count = options.count ?? 10_000;
  const seed = options.seed ?? 1;
  const start = options.start ?? 0;
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const maxMs = options.maxMs ?? 5000;
  const decodeOptions = options.decodeOptions ?? FUZZ_DECODE_OPTIONS;
  const decode = options.decode ?? decodeImage;
  const seeds = options.seeds ?? (await loadSeeds());
  const analyseCount = options.analyser ? (options.analyseCount ?? 0) : 0;
  const report: FuzzReport = {
    seed,
    start,
    inputs: 0,
    seeds: seeds.length,
    decoded: 0,
    rejected: {},
    analysed: 0,
    analyseRejected: {},
    escapes: [],
    maxMs: { decode: 0, analyse: 0 },
    totalMs: 0,
    mutations: {},
  };
  if (options.analyser && analyseCount > 0) {
    // Models load on the first call; that time belongs to no input, so spend it before the clock runs.
    const warm = await decode(seeds[0].bytes, decodeOptions);
    await options.analyser.analyse(warm.image);
  }
  const began = performance.now();
  // Analysis is spread evenly over the run rather than spent on the first N inputs that decode: every
  // `analyseEvery` inputs one more is wanted, and the next input that decodes takes it.
  const analyseEvery = analyseCount > 0 ? Math.max(1, Math.floor(count / analyseCount)) : Infinity;
  let analyseStarted = 0;

  const escape = (mutated: Mutated, index: number, entry: Escape['entry'], kind: string, message: string, ms: number) => {
    report.escapes.push({ index, seedName: mutated.seedName, mutations: mutated.mutations, entry, kind, message, ms, bytes: mutated.bytes });
  };

  const checkRejection = (error: unknown, mutated: Mutated, index: number, entry: Escape['entry'], ms: number, tally: Record<string, number>) => {
    if (!(error instanceof AnimeMeError)) return escape(mutated, index, entry, 'non-AnimeMeError', describeError(error), ms);
    if (error.message.includes('\n')) escape(mutated, index, entry, 'multi-line-message', error.message, ms);
    tally[error.code] = (tally[error.code] ?? 0) + 1;
  };

  async function one(index: number): Promise<void> {
    const mutated = mutateInput(seeds, seed, index);
    for (const m of mutated.mutations) report.mutations[m] = (report.mutations[m] ?? 0) + 1;
    options.onInput?.(index);
    const decoded = await timed(() => decode(mutated.bytes, decodeOptions), maxMs);
    report.inputs++;
    report.maxMs.decode = Math.max(report.maxMs.decode, decoded.ms);
    if (decoded.timedOut || decoded.ms > maxMs) escape(mutated, index, 'decode', 'over-time', `${decoded.ms.toFixed(0)} ms`, decoded.ms);
    if (decoded.timedOut) return;
    if (decoded.error !== undefined) return checkRejection(decoded.error, mutated, index, 'decode', decoded.ms, report.rejected);
    const { image } = decoded.value!;
    if (!(image.width > 0 && image.height > 0 && image.data.length === image.width * image.height * 3)) {
      return escape(mutated, index, 'decode', 'bad-result', `${image.width}x${image.height}, ${image.data.length} bytes`, decoded.ms);
    }
    report.decoded++;
    const analyseWanted = Math.min(analyseCount, Math.floor((index - start) / analyseEvery) + 1);
    if (options.analyser && analyseStarted < analyseWanted) {
      analyseStarted++;
      const analyser = options.analyser;
      const analysed = await timed(() => analyser.analyse(image), maxMs);
      report.analysed++;
      report.maxMs.analyse = Math.max(report.maxMs.analyse, analysed.ms);
      if (analysed.timedOut || analysed.ms > maxMs) escape(mutated, index, 'analyse', 'over-time', `${analysed.ms.toFixed(0)} ms`, analysed.ms);
      if (analysed.error !== undefined) checkRejection(analysed.error, mutated, index, 'analyse', analysed.ms, report.analyseRejected);
    }
  }

  let next = start;
  const end = start + count;
  let done = 0;
  async function lane(): Promise<void> {
    while (next < end) {
      const index = next++;
      await one(index);
      done++;
      if (done % 1000 === 0) options.onProgress?.(done, count);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, () => lane()));
  report.totalMs = performance.now() - began;
  return report;
}

/** One line per figure, for logs and CI output. */
export function formatReport(report: FuzzReport): string {
  const codes = (tally: Record<string, number>) =>
    Object.entries(tally)
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  return [
    `fuzz: seed ${report.seed}, start ${report.start}, ${report.inputs} inputs from ${report.seeds} seeds in ${(report.totalMs / 1000).toFixed(1)} s`,
    `  decode: ${report.decoded} decoded, rejected: ${codes(report.rejected)}; slowest ${report.maxMs.decode.toFixed(0)} ms`,
    `  analyse: ${report.analysed} analysed, rejected: ${codes(report.analyseRejected)}; slowest ${report.maxMs.analyse.toFixed(0)} ms`,
    `  mutations: ${codes(report.mutations)}`,
    `  escapes: ${report.escapes.length}${report.escapes.map((e) => `\n    #${e.index} ${e.entry} ${e.kind} (${e.seedName}; ${e.mutations.join('+')}): ${e.message}`).join('')}`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Script entry

function envNumber(name: string): number | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : Number(value);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string' },
      analyse: { type: 'string' },
      seed: { type: 'string' },
      start: { type: 'string' },
      concurrency: { type: 'string' },
      'max-ms': { type: 'string' },
      'max-pixels': { type: 'string' },
      out: { type: 'string', default: process.env.FUZZ_OUT ?? '/tmp/anime-me-fuzz' },
    },
  });
  const number = (flag: string | undefined, env: string, fallback: number) => {
    const value = flag !== undefined ? Number(flag) : (envNumber(env) ?? fallback);
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${env.toLowerCase()} must be a non-negative integer`);
    return value;
  };
  const count = number(values.count, 'FUZZ_COUNT', 100_000);
  const analyseCount = number(values.analyse, 'FUZZ_ANALYSE_COUNT', 500);
  const out = values.out!;
  mkdirSync(out, { recursive: true });
  const checkpoint = path.join(out, 'current.json');
  const seed = number(values.seed, 'FUZZ_SEED', 1);

  let analyser: Analyser | undefined;
  if (analyseCount > 0) {
    const { createAnalyser } = await import('../src/analyse/index.js');
    analyser = createAnalyser();
  }
  try {
    const report = await runFuzz({
      count,
      analyseCount,
      seed,
      start: number(values.start, 'FUZZ_START', 0),
      concurrency: number(values.concurrency, 'FUZZ_CONCURRENCY', 2),
      maxMs: number(values['max-ms'], 'FUZZ_MAX_MS', 5000),
      decodeOptions: { maxPixels: number(values['max-pixels'], 'FUZZ_MAX_PIXELS', 1_000_000) },
      ...(analyser ? { analyser } : {}),
      // Synchronous write, so the file is on disk before native code that might crash runs.
      onInput: (index) => writeFileSync(checkpoint, JSON.stringify({ seed, index })),
      onProgress: (done, total) => process.stderr.write(`fuzz: ${done}/${total}\n`),
    });
    for (const e of report.escapes) {
      const base = path.join(out, `escape-${seed}-${e.index}-${e.entry}`);
      writeFileSync(`${base}.bin`, e.bytes);
      writeFileSync(`${base}.json`, JSON.stringify({ ...e, bytes: undefined, reproduce: `--seed ${seed} --start ${e.index} --count 1` }, null, 2));
    }
    writeFileSync(checkpoint, JSON.stringify({ seed, finished: true }));
    process.stdout.write(`${formatReport(report)}\n`);
    return report.escapes.length === 0 ? 0 : 1;
  } finally {
    await analyser?.dispose();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`fuzz: ${describeError(error)}\n`);
      process.exitCode = 2;
    },
  );
}
