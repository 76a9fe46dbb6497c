/**
 * The photo → anime pipeline, readable as numbered steps:
 *   1 decode → 2 working size → 3 analyse → 4 describe → 5 stylize → 6 upscale → 7 compose → 8 encode,
 * with the optional moderation hook on the decoded input and on the result before 7.
 * Heavy components (analyser, stylizer, upscaler sessions) are created once and shared by every run;
 * everything that holds per-job state (seed, progress, timings) lives in the run.
 * This module is portable: the platform supplies the codec and the model-backed components.
 */
import { composeShare, type TextRenderer } from '../compose/index.js';
import { formatInfotext, type GenerationParameters } from '../core/png-text.js';
import type { RgbImage } from '../core/raster.js';
import {
  emptyAnalysis,
  type Analyser,
  type ProgressEvent,
  type SceneAnalysis,
  type StageName,
  type Stylizer,
  type Upscaler,
} from '../core/types.js';
import { describeScene, type SceneDescription } from '../describe/index.js';
import { applyAnalysisOverrides } from '../describe/overrides.js';
import { AnimeMeError, toAnimeMeError } from '../errors.js';
import type { ImageCodec } from './codec.js';
import { moderate, type ModerationHook } from './moderation.js';
import { colourfulness, GRAYSCALE_COLOURFULNESS } from './colourfulness.js';
import { resolveRunOptions, throwIfAborted, type RunOptions } from './options.js';
import { analysisSize, ANALYSIS_SIDE, workingSize } from './sizes.js';
import { scaleAnalysis } from '../analyse/scale-analysis.js';
import { analysisKey, createAnalysisMemo, type AnalysisMemoOptions } from './analysis-memo.js';

export interface PipelineComponents {
  codec: ImageCodec;
  stylizer: Stylizer;
  /** Optional: without one, every photo is treated as a no-people scene. */
  analyser?: Analyser;
  /** Optional: without one, the codec's resampler enlarges the stylized image. */
  upscaler?: Upscaler;
  /** Renders the composite caption; default is the built-in bitmap font. */
  textRenderer?: TextRenderer;
  /** Content check on the decoded input and on the result before encoding; none by default (see moderation.ts). */
  moderation?: ModerationHook;
  /** Reuse the analysis of a photo sent again (see analysis-memo.ts); `false` turns it off. */
  analysisMemo?: AnalysisMemoOptions | false;
}

export interface PipelineResult {
  /** The clean anime image at output size. */
  image: RgbImage;
  /** `image` encoded in the requested format (PNG carries the `parameters` chunk). */
  output: Uint8Array;
  format: string;
  /** JPEG share composite, when asked for. */
  composite?: Uint8Array;
  analysis: SceneAnalysis;
  /** True when the analysis came from the memo (the same photo ran moments ago), not the models. */
  analysisReused: boolean;
  description: SceneDescription;
  parameters: GenerationParameters;
  /** Milliseconds per stage, in run order. */
  timings: Partial<Record<StageName, number>>;
  input: { format: string; width: number; height: number };
}

export interface PipelineRunContext {
  onProgress?: (event: ProgressEvent) => void;
}

export interface Pipeline {
  run(bytes: Uint8Array, options?: RunOptions, context?: PipelineRunContext): Promise<PipelineResult>;
  dispose(): Promise<void>;
}

const SAMPLER_NAME = 'anime-me embedded';

export function createPipeline(components: PipelineComponents): Pipeline {
  const { codec, stylizer, analyser, upscaler, moderation } = components;
  const memo = components.analysisMemo === false ? undefined : createAnalysisMemo(components.analysisMemo);

  async function run(bytes: Uint8Array, runOptions: RunOptions = {}, context: PipelineRunContext = {}): Promise<PipelineResult> {
    const options = resolveRunOptions(runOptions);
    const { signal } = options;
    const timings: Partial<Record<StageName, number>> = {};
    const report = (stage: StageName, progress: number, message?: string) => {
      context.onProgress?.(message === undefined ? { stage, progress } : { stage, progress, message });
    };
    // Each stage is timed and reported the same way; errors keep their codes.
    async function stage<T>(name: StageName, work: () => Promise<T> | T): Promise<T> {
      throwIfAborted(signal);
      report(name, 0);
      const started = performance.now();
      try {
        const value = await work();
        return value;
      } catch (error) {
        throw toAnimeMeError(error);
      } finally {
        timings[name] = Math.round((performance.now() - started) * 10) / 10;
        report(name, 1);
      }
    }
    const stageContext = (name: StageName) => ({
      ...(signal ? { signal } : {}),
      onProgress: (event: ProgressEvent) => report(name, event.progress, event.message),
    });

    // 1. Decode: sniff, check limits from the header, orient upright, flatten alpha, shrink on load.
    const decoded = await stage('decode', () => codec.decode(bytes, { maxSide: Math.max(options.size, ANALYSIS_SIDE) }));
    const original = decoded.image;
    const inputInfo = { format: decoded.format, width: decoded.originalWidth, height: decoded.originalHeight };
    // Moderate the input before any work is spent on it; a flagged photo ends the run with FLAGGED.
    if (moderation) await moderate(moderation, original, 'input', { ...(signal ? { signal } : {}), input: inputInfo });

    // 2. Working size: stylize at (output / upscale) so the expensive look is computed on few pixels.
    const work = workingSize(original, options.size, options.upscale);
    const working =
      work.width === original.width && work.height === original.height
        ? original
        : await stage('decode', () => codec.resize(original, work.width, work.height));

    // 3. Analyse: people, faces, landmarks, pets, scene. Never rejects a photo without faces. The
    //    models see a copy of their own size, and the result is mapped onto the working image.
    //    A photo sent again ("again, new seed") reuses its analysis from the memo.
    let analysis = emptyAnalysis(working.width, working.height);
    let analysisReused = false;
    if (options.analyse && analyser) {
      analysis = await stage('analyse', async () => {
        const side = analysisSize(original, work);
        const key = memo && (await analysisKey(bytes, [side.width, side.height, working.width, working.height]));
        const remembered = key ? memo!.get(key) : undefined;
        if (remembered) {
          analysisReused = true;
          return remembered;
        }
        const input =
          side.width === working.width && side.height === working.height ? working : await codec.resize(original, side.width, side.height);
        const fresh = scaleAnalysis(await analyser.analyse(input, stageContext('analyse')), working.width, working.height);
        if (key) memo!.set(key, fresh);
        return fresh;
      });
    }
    analysis = applyAnalysisOverrides(analysis, options.overrides);

    // 4. Describe: content tags + scene-specific style preset → prompt and engine parameters.
    const description = await stage('describe', () =>
      describeScene(analysis, {
        ...(options.style !== undefined ? { style: options.style } : {}),
        grayscale: colourfulness(working) < GRAYSCALE_COLOURFULNESS,
        ...(options.prompt !== undefined ? { prompt: options.prompt } : {}),
        ...(options.negativePrompt !== undefined ? { negativePrompt: options.negativePrompt } : {}),
      }),
    );

    // 5. Stylize at working resolution.
    const stylizeRequest = {
      image: working,
      analysis,
      style: description.style,
      params: description.params,
      prompt: description.prompt,
      seed: options.seed,
    };
    const stylized = await stage('stylize', () => stylizer.stylize(stylizeRequest, stageContext('stylize')));

    // 6. Upscale: super-resolve to output size (×2 or ×4), then snap to the exact target size.
    const target = { width: work.width * options.upscale, height: work.height * options.upscale };
    const image = await stage('upscale', async () => {
      if (options.upscale === 1) return stylized;
      const enlarged = upscaler
        ? await upscaler.upscale(stylized, options.upscale, stageContext('upscale'))
        : await codec.resize(stylized, target.width, target.height);
      if (enlarged.width !== target.width || enlarged.height !== target.height) {
        throw new AnimeMeError('INTERNAL', `Upscaler returned ${enlarged.width}x${enlarged.height}, expected ${target.width}x${target.height}.`);
      }
      return enlarged;
    });

    // Moderate the result before it is composed or encoded: a flagged output never leaves as bytes.
    if (moderation) await moderate(moderation, image, 'output', { ...(signal ? { signal } : {}), input: inputInfo, style: description.style });

    const generation = stylizer.describeGeneration?.(stylizeRequest) ?? { sampler: SAMPLER_NAME, steps: 1 };
    const parameters: GenerationParameters = {
      prompt: description.prompt.positive,
      negativePrompt: description.prompt.negative,
      steps: generation.steps,
      sampler: generation.sampler,
      ...(generation.cfgScale !== undefined ? { cfgScale: generation.cfgScale } : {}),
      ...(generation.denoisingStrength !== undefined ? { denoisingStrength: generation.denoisingStrength } : {}),
      seed: options.seed,
      width: image.width,
      height: image.height,
      model: stylizer.name,
      extra: {
        Style: description.style,
        Preset: description.preset.id,
        Upscaler: options.upscale === 1 ? 'none' : (upscaler?.name ?? 'resample'),
        'Upscale factor': options.upscale,
      },
    };

    // 7. Compose: before/after share image, arranged by orientation.
    let compositeImage: RgbImage | undefined;
    if (options.composite) {
      compositeImage = await stage('compose', async () => {
        const before = original.width === image.width && original.height === image.height ? original : await codec.resize(original, image.width, image.height);
        return composeShare(before, image, {
          ...(options.caption !== undefined ? { caption: options.caption } : {}),
          ...(components.textRenderer ? { textRenderer: components.textRenderer } : {}),
        });
      });
    }

    // 8. Encode: metadata-free outputs; the PNG carries the generation parameters for other tools.
    const { output, composite } = await stage('encode', async () => ({
      output: await codec.encode(image, {
        format: options.format,
        quality: options.quality,
        text: { parameters: formatInfotext(parameters) },
      }),
      composite: compositeImage ? await codec.encode(compositeImage, { format: 'jpeg', quality: 88 }) : undefined,
    }));

    return {
      image,
      output,
      format: options.format,
      ...(composite ? { composite } : {}),
      analysis,
      analysisReused,
      description,
      parameters,
      timings,
      input: inputInfo,
    };
  }

  return {
    run,
    async dispose() {
      await Promise.all([stylizer.dispose(), analyser?.dispose(), upscaler?.dispose()]);
    },
  };
}
