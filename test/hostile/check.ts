/**
 * Running one hostile input with a hang guard and judging the result against its expected outcome.
 * Failures are collected as strings (not thrown at the first one) so a run reports every broken
 * input at once, with the counts the issue asks for.
 */
import { sharp } from '../../src/image/sharp-setup.js';
import { readPngTextChunks } from '../../src/core/png-text.js';
import { AnimeMeError } from '../../src/errors.js';
import type { HostileInput, Outcome } from './corpus.js';
import { ascii, indexOf } from './formats.js';

/** The per-input bound: a hang guard, far above any real input's time (the slowest takes ~1 s). */
export const INPUT_LIMIT_MS = 10_000;

export interface Attempt<T> {
  value?: T;
  error?: unknown;
  hung: boolean;
  ms: number;
}

/** Run `work`, giving up waiting after `limitMs` (native work cannot be cancelled, only abandoned). */
export async function attempt<T>(work: () => Promise<T>, limitMs = INPUT_LIMIT_MS): Promise<Attempt<T>> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), limitMs);
  });
  try {
    const work$ = work();
    const value = await Promise.race([work$, hang]);
    if (value === 'hung') {
      // Keep a late rejection from becoming an unhandled one after we stopped waiting.
      work$.catch(() => {});
      return { hung: true, ms: performance.now() - started };
    }
    return { value: value as T, hung: false, ms: performance.now() - started };
  } catch (error) {
    return { error, hung: false, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** What happened: 'ok', an AnimeMeError code, 'hang', or 'escape' (anything else thrown). */
export function outcomeOf(result: Attempt<unknown>): Outcome | 'hang' | 'escape' {
  if (result.hung) return 'hang';
  if (result.error === undefined) return 'ok';
  return result.error instanceof AnimeMeError ? result.error.code : 'escape';
}

/** Problems with a rejection: wrong class, not an AnimeMeError, or a message that is not one clean line. */
export function judgeOutcome(input: HostileInput, result: Attempt<unknown>, where: string): string[] {
  const outcome = outcomeOf(result);
  const label = `${where} ${input.name}`;
  if (outcome === 'hang') return [`${label}: no answer within ${INPUT_LIMIT_MS} ms`];
  if (outcome === 'escape') {
    const e = result.error;
    return [`${label}: escaped as a non-AnimeMeError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`];
  }
  const problems: string[] = [];
  if (!input.expect.includes(outcome)) {
    const message = result.error instanceof Error ? ` (${result.error.message})` : '';
    problems.push(`${label}: expected ${input.expect.join(' or ')}, got ${outcome}${message}`);
  }
  if (result.error instanceof AnimeMeError) {
    const { message } = result.error;
    if (message.length === 0 || message.length > 300 || /[\r\n]/.test(message)) problems.push(`${label}: message is not one short line: ${JSON.stringify(message)}`);
  }
  return problems;
}

export interface MetadataCheck {
  format: string;
  width: number;
  height: number;
}

/**
 * Problems with an encoded output: wrong format or size, or any metadata at all (EXIF, GPS, ICC,
 * XMP, IPTC, orientation), or one of the input's secret strings surviving in the bytes. PNG outputs
 * may carry exactly one text chunk, `parameters` (the A1111 generation settings, made by us).
 */
export async function judgeOutput(bytes: Uint8Array, expected: MetadataCheck, secrets: readonly string[], label: string): Promise<string[]> {
  const problems: string[] = [];
  const meta = await sharp(bytes).metadata();
  if (meta.format !== expected.format) problems.push(`${label}: format ${meta.format}, expected ${expected.format}`);
  if (meta.width !== expected.width || meta.height !== expected.height) {
    problems.push(`${label}: ${meta.width}x${meta.height}, expected ${expected.width}x${expected.height}`);
  }
  for (const key of ['exif', 'icc', 'xmp', 'iptc', 'orientation'] as const) {
    if (meta[key] !== undefined) problems.push(`${label}: output carries ${key}`);
  }
  // sharp lists PNG text chunks as comments; those are checked by name below.
  if (expected.format !== 'png' && meta.comments !== undefined) problems.push(`${label}: output carries comments`);
  if (expected.format === 'png') {
    const keys = Object.keys(readPngTextChunks(bytes));
    if (keys.some((k) => k !== 'parameters')) problems.push(`${label}: PNG text chunks ${keys.join(', ')}`);
  }
  for (const secret of secrets) {
    if (indexOf(bytes, ascii(secret)) >= 0) problems.push(`${label}: output contains ${JSON.stringify(secret)}`);
  }
  return problems;
}

/** Mean colour of each quadrant of an RGB image, in reading order. */
export function quadrantMeans(image: { width: number; height: number; data: Uint8Array }): [number, number, number][] {
  const sums = Array.from({ length: 4 }, () => [0, 0, 0, 0]);
  const { width, height, data } = image;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Leave out a band around the centre lines, where resampling mixes quadrants.
      if (Math.abs(x - width / 2) < width / 8 || Math.abs(y - height / 2) < height / 8) continue;
      const q = (y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1);
      const i = (y * width + x) * 3;
      sums[q][0] += data[i];
      sums[q][1] += data[i + 1];
      sums[q][2] += data[i + 2];
      sums[q][3]++;
    }
  }
  return sums.map(([r, g, b, n]) => [r / n, g / n, b / n]);
}

export const colourDistance = (a: readonly number[], b: readonly number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
