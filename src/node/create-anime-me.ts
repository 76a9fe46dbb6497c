/**
 * Node wiring of the pipeline: sharp codec, the human-based analyser, the stylizer (the embedded one,
 * or an ONNX engine named by a serializable `engine` spec) and the Anime4K super-resolution model on
 * ONNX Runtime. Components are created once; call `dispose()` when done.
 */
import { createAnalyser, type AnalyserOptions } from '../analyse/index.js';
import type { Analyser, Stylizer, Upscaler } from '../core/types.js';
import type { AnalysisMemoOptions } from '../pipeline/analysis-memo.js';
import type { ModerationHook } from '../pipeline/moderation.js';
import { createPipeline, type Pipeline } from '../pipeline/pipeline.js';
import { createEmbeddedStylizer } from '../stylize/index.js';
import { createAnime4kUpscaler } from '../upscale/index.js';
import { AnimeMeError } from '../errors.js';
import { checkEngineSpec, createEngineStylizer, type EngineSpec } from './engine.js';
import { createSharpCodec, type SharpCodecOptions } from './sharp-codec.js';

export interface AnimeMeOptions {
  /** false: never analyse (every photo is styled as a no-people scene). Default true. */
  analyser?: boolean | AnalyserOptions;
  /** false: enlarge with a resampler instead of the super-resolution model. Default true. */
  upscaler?: boolean;
  /** Replace the default stylizer with one you built. */
  stylizer?: Stylizer;
  /**
   * Or name the stylizer as plain data, e.g. `{ kind: 'diffusion', modelDir, steps: 4, tinyVae: true }`:
   * JSON-safe, so a pipeline thread can build it (`anime-me serve --engine diffusion`). The pack is
   * opened on first use; `createAnimeMeReady` opens it before returning.
   */
  engine?: EngineSpec;
  /** Input limits (bytes, pixels, side length); defaults in src/image/decode.ts. */
  codec?: SharpCodecOptions;
  /** Content moderation on input and output (off by default; see pipeline/moderation.ts). */
  moderation?: ModerationHook;
  /** Reuse the analysis of a photo sent again (default on; see pipeline/analysis-memo.ts); `false` turns it off. */
  analysisMemo?: AnalysisMemoOptions | false;
}

export function createAnimeMe(options: AnimeMeOptions = {}): Pipeline {
  return build(options).pipeline;
}

/**
 * createAnimeMe, with the engine's model pack opened before it returns: a bad pack rejects here with
 * its precise message (MODEL_MISSING / MODEL_INVALID naming the file) instead of failing each job.
 */
export async function createAnimeMeReady(options: AnimeMeOptions = {}): Promise<Pipeline> {
  const { pipeline, engine } = build(options);
  try {
    await engine?.ready();
  } catch (error) {
    await pipeline.dispose();
    throw error;
  }
  return pipeline;
}

function build(options: AnimeMeOptions): { pipeline: Pipeline; engine: ReturnType<typeof createEngineStylizer> } {
  if (options.stylizer && options.engine) {
    throw new AnimeMeError('INVALID_ARGUMENT', 'Expected either stylizer or engine in the createAnimeMe options but received both');
  }
  const engine = options.engine === undefined ? undefined : createEngineStylizer(checkEngineSpec(options.engine));
  const analyser: Analyser | undefined =
    options.analyser === false ? undefined : createAnalyser(typeof options.analyser === 'object' ? options.analyser : {});
  const upscaler: Upscaler | undefined = options.upscaler === false ? undefined : createAnime4kUpscaler();
  const pipeline = createPipeline({
    codec: createSharpCodec(options.codec),
    stylizer: options.stylizer ?? engine ?? createEmbeddedStylizer(),
    ...(analyser ? { analyser } : {}),
    ...(upscaler ? { upscaler } : {}),
    ...(options.moderation ? { moderation: options.moderation } : {}),
    ...(options.analysisMemo !== undefined ? { analysisMemo: options.analysisMemo } : {}),
  });
  return { pipeline, engine };
}
