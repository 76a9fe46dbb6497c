/**
 * Per-run options, validated once at the public edge with the project's one message shape.
 */
import { AnimeMeError } from '../errors.js';
import { expectIntegerInRange, expectNumberInRange, expectOneOf, invalidParameter, is } from '../validate.js';
import { OUTPUT_FORMATS, type OutputFormat } from './codec.js';

/** Output long side when none is given: 2 × the ≈512 px working size, sharp on a phone screen. */
export const DEFAULT_SIZE = 1024;
/** Smallest and largest output long side: below 64 px nothing is recognisable; above 4096 px one job would hold >150 MB of pixels. */
export const MIN_SIZE = 64;
export const MAX_SIZE = 4096;
/** The super-resolution factor: stylize at size/2, then ×2 (the low-res + SR design). */
export const DEFAULT_UPSCALE = 2;

export interface AnalysisOverrides {
  /** Force the number of people (e.g. when the analyser missed someone). */
  people?: number;
  /** Per-person gender corrections in order of size: 'f', 'm' or '?' (unknown). */
  genders?: ReadonlyArray<'f' | 'm' | '?'>;
}

export interface RunOptions {
  /** Embedded style or preset id; default chosen from the scene. */
  style?: string;
  /** Seed for every random choice; same input + style + seed → identical bytes. Default 0. */
  seed?: number;
  /** Output long side in pixels (default 1024). */
  size?: number;
  /** Super-resolution factor: 1 (stylize at full size), 2 (default) or 4. */
  upscale?: 1 | 2 | 4;
  format?: OutputFormat;
  /** JPEG/WebP quality 1–100 (default 90). */
  quality?: number;
  /** Also make the before/after share composite. */
  composite?: boolean;
  caption?: string;
  /** Skip the analyser (e.g. for speed); the no-people style is used unless a style is given. */
  analyse?: boolean;
  overrides?: AnalysisOverrides;
  prompt?: string;
  negativePrompt?: string;
  signal?: AbortSignal;
}

export interface ResolvedRunOptions {
  style: string | undefined;
  seed: number;
  size: number;
  upscale: 1 | 2 | 4;
  format: OutputFormat;
  quality: number;
  composite: boolean;
  caption: string | undefined;
  analyse: boolean;
  overrides: AnalysisOverrides;
  prompt: string | undefined;
  negativePrompt: string | undefined;
  signal: AbortSignal | undefined;
}

export function resolveRunOptions(options: RunOptions = {}): ResolvedRunOptions {
  if (!is.plainObject(options as unknown)) throw invalidParameter('plain object', 'options', options);
  const overrides = options.overrides ?? {};
  if (overrides.people !== undefined) expectIntegerInRange(overrides.people, 'overrides.people', 0, 50);
  if (overrides.genders !== undefined) {
    if (!Array.isArray(overrides.genders) || overrides.genders.some((g) => !['f', 'm', '?'].includes(g))) {
      throw invalidParameter("list of 'f', 'm' or '?'", 'overrides.genders', overrides.genders);
    }
  }
  if (options.style !== undefined && !is.string(options.style)) throw invalidParameter('string', 'style', options.style);
  if (options.caption !== undefined && !is.string(options.caption)) throw invalidParameter('string', 'caption', options.caption);
  if (options.prompt !== undefined && !is.string(options.prompt)) throw invalidParameter('string', 'prompt', options.prompt);
  if (options.negativePrompt !== undefined && !is.string(options.negativePrompt)) {
    throw invalidParameter('string', 'negativePrompt', options.negativePrompt);
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw invalidParameter('AbortSignal', 'signal', options.signal);
  }
  const upscale = options.upscale ?? DEFAULT_UPSCALE;
  if (![1, 2, 4].includes(upscale)) throw invalidParameter('one of 1, 2, 4', 'upscale', upscale);
  return {
    style: options.style,
    seed: options.seed === undefined ? 0 : expectIntegerInRange(options.seed, 'seed', 0, 2 ** 32 - 1),
    size: options.size === undefined ? DEFAULT_SIZE : expectIntegerInRange(options.size, 'size', MIN_SIZE, MAX_SIZE),
    upscale,
    format: options.format === undefined ? 'png' : expectOneOf(options.format, 'format', OUTPUT_FORMATS),
    quality: options.quality === undefined ? 90 : expectNumberInRange(options.quality, 'quality', 1, 100),
    composite: options.composite ?? false,
    caption: options.caption,
    analyse: options.analyse ?? true,
    overrides,
    prompt: options.prompt,
    negativePrompt: options.negativePrompt,
    signal: options.signal,
  };
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AnimeMeError('CANCELLED', 'The job was cancelled before it finished.');
}
