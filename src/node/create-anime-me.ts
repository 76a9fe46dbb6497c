/**
 * Node wiring of the pipeline: sharp codec, the human-based analyser, the embedded stylizer and the
 * Anime4K super-resolution model on ONNX Runtime. Components are created once; call `dispose()` when done.
 */
import { createAnalyser, type AnalyserOptions } from '../analyse/index.js';
import type { Analyser, Stylizer, Upscaler } from '../core/types.js';
import type { ModerationHook } from '../pipeline/moderation.js';
import { createPipeline, type Pipeline } from '../pipeline/pipeline.js';
import { createEmbeddedStylizer } from '../stylize/index.js';
import { createAnime4kUpscaler } from '../upscale/index.js';
import { createSharpCodec, type SharpCodecOptions } from './sharp-codec.js';

export interface AnimeMeOptions {
  /** false: never analyse (every photo is styled as a no-people scene). Default true. */
  analyser?: boolean | AnalyserOptions;
  /** false: enlarge with a resampler instead of the super-resolution model. Default true. */
  upscaler?: boolean;
  /** Replace the default stylizer (e.g. the diffusion engine). */
  stylizer?: Stylizer;
  /** Input limits (bytes, pixels, side length); defaults in src/image/decode.ts. */
  codec?: SharpCodecOptions;
  /** Content moderation on input and output (off by default; see pipeline/moderation.ts). */
  moderation?: ModerationHook;
}

export function createAnimeMe(options: AnimeMeOptions = {}): Pipeline {
  const analyser: Analyser | undefined =
    options.analyser === false ? undefined : createAnalyser(typeof options.analyser === 'object' ? options.analyser : {});
  const upscaler: Upscaler | undefined = options.upscaler === false ? undefined : createAnime4kUpscaler();
  return createPipeline({
    codec: createSharpCodec(options.codec),
    stylizer: options.stylizer ?? createEmbeddedStylizer(),
    ...(analyser ? { analyser } : {}),
    ...(upscaler ? { upscaler } : {}),
    ...(options.moderation ? { moderation: options.moderation } : {}),
  });
}
