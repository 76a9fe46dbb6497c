/**
 * The Stable Diffusion engine as a Stylizer: img2img from the request's prompt and seed over a
 * user-supplied ONNX pack. It generates at low resolution (the working image, at most `maxSide`);
 * the pipeline's upscale stage enlarges the result. The pack's sessions are opened on first use
 * and shared process-wide; each job gets a fresh scheduler and noise source.
 */
import { basename } from 'node:path';
import { resampleRgb } from '../core/resample.js';
import type { RgbImage } from '../core/raster.js';
import type { StageContext, StylizeRequest, Stylizer } from '../core/types.js';
import { AnimeMeError } from '../errors.js';
import type { OnnxDevice } from '../backends/onnx.js';
import { expectIntegerInRange, expectNumberInRange, expectPositiveInteger, invalidParameter, is } from '../validate.js';
import { resolveDevice, type DeviceChoice } from './device.js';
import { runImg2Img, type Img2ImgResult } from './img2img.js';
import { openImageToImagePack, openPack, type ImageToImagePack, type StableDiffusionPack } from './pack/index.js';
import { resolveSchedulerName } from './schedulers/index.js';
import { loadPromptTokenizer, type PromptTokenizer } from './text-encoder.js';

/** Defaults tuned for a stylised redraw that keeps the photo's layout (A1111 img2img habits). */
export const DIFFUSION_DEFAULTS = {
  scheduler: 'euler-ancestral',
  steps: 20,
  strength: 0.5,
  guidance: 7,
  maxSide: 512,
  /**
   * ONNX UNets are traced at one size; their upsamplers then double exactly, so latents must
   * survive three halvings: 64-pixel multiples are the safe size (the legacy ONNX pipeline's rule).
   */
  sizeMultiple: 64,
} as const;

export interface DiffusionStylizerOptions {
  /** Folder of a diffusers ONNX pack (holding model_index.json). */
  modelDir: string;
  /** Sampler name (ours or A1111's, e.g. 'euler-ancestral', 'DPM++ 2M Karras'). Default 'euler-ancestral'. */
  scheduler?: string;
  /** Schedule length before strength cuts it. Default 20. */
  steps?: number;
  /** Denoising strength 0..1. Default 0.5. */
  strength?: number;
  /** Classifier-free guidance scale. Default 7. */
  guidance?: number;
  /**
   * Default 'cpu'. 'cuda' throws at once (with how to enable it) when onnxruntime-node has no CUDA
   * provider; 'auto' then runs on the CPU and says so in `device.note`.
   */
  device?: OnnxDevice;
  /** onnxruntime intra-op threads (default: one per core). */
  threads?: number;
  /** Longest side generated; larger working images are scaled down for generation and back after. Default 512. */
  maxSide?: number;
  /** Generation sides are multiples of this. Default 64. */
  sizeMultiple?: number;
  /**
   * Encode/decode through a tiny autoencoder (TAESD): true = the pack's `taesd/` folder, a string =
   * an autoencoder folder elsewhere. Default false (the pack's own VAE).
   */
  tinyVae?: boolean | string;
}

export interface DiffusionStylizer extends Stylizer {
  /** Open the pack now (sessions, tokenizer) instead of on the first stylize. */
  ready(): Promise<void>;
  /** The last job's details (steps run, timings), for reports and benchmarks. */
  readonly lastResult: Img2ImgResult | undefined;
  /** The device asked for and the one used (with a note when 'auto' fell back to the CPU). */
  readonly device: DeviceChoice;
}

interface Settings {
  scheduler: string;
  steps: number;
  strength: number;
  guidance: number;
}

function checkSettings(values: Partial<Settings>, where: string): void {
  if (values.scheduler !== undefined) resolveSchedulerName(values.scheduler);
  if (values.steps !== undefined) expectIntegerInRange(values.steps, `${where}steps`, 1, 1000);
  if (values.strength !== undefined) expectNumberInRange(values.strength, `${where}strength`, 0, 1);
  if (values.guidance !== undefined) expectNumberInRange(values.guidance, `${where}guidance`, 0, 100);
}

/** Generation size: the image scaled to fit maxSide (never enlarged). */
function fitSize(width: number, height: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export function createDiffusionStylizer(options: DiffusionStylizerOptions): DiffusionStylizer {
  if (!is.plainObject(options)) throw invalidParameter('an options object', 'options', options);
  if (!is.string(options.modelDir) || options.modelDir.length === 0) throw invalidParameter('a model folder path', 'modelDir', options.modelDir);
  checkSettings(options, '');
  const deviceChoice = resolveDevice(options.device ?? 'cpu');
  const { device } = deviceChoice;
  if (options.threads !== undefined) expectPositiveInteger(options.threads, 'threads', 256);
  if (options.tinyVae !== undefined && !is.bool(options.tinyVae) && !(is.string(options.tinyVae) && options.tinyVae.length > 0)) {
    throw invalidParameter('true, false or an autoencoder folder path', 'tinyVae', options.tinyVae);
  }
  const maxSide = options.maxSide === undefined ? DIFFUSION_DEFAULTS.maxSide : expectIntegerInRange(options.maxSide, 'maxSide', 64, 4096);
  const sizeMultiple = options.sizeMultiple === undefined ? DIFFUSION_DEFAULTS.sizeMultiple : expectPositiveInteger(options.sizeMultiple, 'sizeMultiple', 512);
  const defaults: Settings = {
    scheduler: options.scheduler ?? DIFFUSION_DEFAULTS.scheduler,
    steps: options.steps ?? DIFFUSION_DEFAULTS.steps,
    strength: options.strength ?? DIFFUSION_DEFAULTS.strength,
    guidance: options.guidance ?? DIFFUSION_DEFAULTS.guidance,
  };

  let loading: Promise<{ pack: StableDiffusionPack; tokenizer: PromptTokenizer }> | undefined;
  let disposed = false;
  let lastResult: Img2ImgResult | undefined;

  const load = (): Promise<{ pack: StableDiffusionPack; tokenizer: PromptTokenizer }> => {
    if (disposed) return Promise.reject(new AnimeMeError('INVALID_ARGUMENT', 'This diffusion stylizer was disposed'));
    if (!loading) {
      const pending = (async () => {
        const pack = await openPack(options.modelDir, {
          device,
          ...(options.threads !== undefined ? { threads: options.threads } : {}),
          ...(options.tinyVae !== undefined ? { tinyVae: options.tinyVae } : {}),
        });
        try {
          return { pack, tokenizer: await loadPromptTokenizer(pack.tokenizerDir) };
        } catch (error) {
          await pack.release();
          throw error;
        }
      })();
      // A failed load is retried on the next call (the user may fix the folder meanwhile).
      pending.catch(() => {
        if (loading === pending) loading = undefined;
      });
      loading = pending;
    }
    return loading;
  };

  /** Per-preset overrides from the describer (`params`), by their engine-specific names. */
  const settingsFor = (request: StylizeRequest): Settings => {
    const params = request.params ?? {};
    const picked: Partial<Settings> = {};
    if (params.steps !== undefined) picked.steps = params.steps;
    if (params.strength !== undefined) picked.strength = params.strength;
    if (params.guidance !== undefined) picked.guidance = params.guidance;
    checkSettings(picked, 'params.');
    return { ...defaults, ...picked };
  };

  return {
    name: `diffusion:${basename(options.modelDir)}`,
    // Any style: the look comes from the prompt the describer wrote for it.
    styles: [],
    describeGeneration(request) {
      const settings = settingsFor(request);
      return { sampler: settings.scheduler, steps: settings.steps, cfgScale: settings.guidance, denoisingStrength: settings.strength };
    },
    get lastResult() {
      return lastResult;
    },
    device: deviceChoice,
    async ready() {
      await load();
    },
    async stylize(request: StylizeRequest, context: StageContext = {}): Promise<RgbImage> {
      if (!is.plainObject(request)) throw invalidParameter('a stylize request', 'request', request);
      const { image } = request;
      if (!image || !is.integer(image.width) || !is.integer(image.height) || !(image.data instanceof Uint8Array)) {
        throw invalidParameter('an RgbImage', 'request.image', image);
      }
      if (!is.integer(request.seed) || request.seed < 0) throw invalidParameter('a non-negative integer', 'request.seed', request.seed);
      const settings = settingsFor(request);
      const { pack, tokenizer } = await load();

      const size = fitSize(image.width, image.height, maxSide);
      const input = size.width === image.width && size.height === image.height ? image : resampleRgb(image, size.width, size.height);
      context.onProgress?.({ stage: 'stylize', progress: 0, message: 'encoding' });
      const result = await runImg2Img(pack, tokenizer, {
        image: input,
        prompt: request.prompt?.positive ?? '',
        negativePrompt: request.prompt?.negative ?? '',
        strength: settings.strength,
        steps: settings.steps,
        guidanceScale: settings.guidance,
        seed: request.seed,
        scheduler: settings.scheduler,
        sizeMultiple,
        ...(context.signal ? { signal: context.signal } : {}),
        onProgress: (p) => context.onProgress?.({ stage: 'stylize', progress: (0.05 + (0.9 * p.step) / p.steps), message: `step ${p.step}/${p.steps}` }),
      });
      lastResult = result;
      context.onProgress?.({ stage: 'stylize', progress: 1 });
      const out = result.image;
      // Back to the request's size: the pipeline upscales from exactly the working image.
      return out.width === image.width && out.height === image.height ? out : resampleRgb(out, image.width, image.height);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      const pending = loading;
      loading = undefined;
      if (!pending) return;
      try {
        const { pack } = await pending;
        await pack.release();
      } catch {
        // Nothing was opened.
      }
    },
  };
}

export interface ImageToImageStylizerOptions {
  /** Folder of a feed-forward pack (holding anime-me.json). */
  modelDir: string;
  /** Default 'cpu'. */
  device?: OnnxDevice;
  threads?: number;
  /** Longest side run through the generator; larger images are scaled down and back. Default 1024. */
  maxSide?: number;
}

/**
 * A feed-forward (AnimeGAN-style) pack as a Stylizer: one generator call on the working image.
 * Prompt and seed do not apply. One session per stylizer.
 */
export interface ImageToImageStylizer extends Stylizer {
  ready(): Promise<void>;
  readonly device: DeviceChoice;
}

export function createImageToImageStylizer(options: ImageToImageStylizerOptions): ImageToImageStylizer {
  if (!is.plainObject(options)) throw invalidParameter('an options object', 'options', options);
  if (!is.string(options.modelDir) || options.modelDir.length === 0) throw invalidParameter('a model folder path', 'modelDir', options.modelDir);
  const deviceChoice = resolveDevice(options.device ?? 'cpu');
  const { device } = deviceChoice;
  if (options.threads !== undefined) expectPositiveInteger(options.threads, 'threads', 256);
  const maxSide = options.maxSide === undefined ? 1024 : expectIntegerInRange(options.maxSide, 'maxSide', 16, 8192);
  let loading: Promise<ImageToImagePack> | undefined;
  let disposed = false;
  const load = (): Promise<ImageToImagePack> => {
    if (disposed) return Promise.reject(new AnimeMeError('INVALID_ARGUMENT', 'This image-to-image stylizer was disposed'));
    if (!loading) {
      const pending = openImageToImagePack(options.modelDir, { device, ...(options.threads !== undefined ? { intraOpThreads: options.threads } : {}) });
      pending.catch(() => {
        if (loading === pending) loading = undefined;
      });
      loading = pending;
    }
    return loading;
  };
  return {
    name: `image-to-image:${basename(options.modelDir)}`,
    styles: [],
    device: deviceChoice,
    async ready() {
      await load();
    },
    async stylize(request, context = {}) {
      if (!is.plainObject(request)) throw invalidParameter('a stylize request', 'request', request);
      const { image } = request;
      if (!image || !is.integer(image.width) || !is.integer(image.height) || !(image.data instanceof Uint8Array)) {
        throw invalidParameter('an RgbImage', 'request.image', image);
      }
      const pack = await load();
      if (context.signal?.aborted) throw new AnimeMeError('CANCELLED', 'Stylizing was cancelled', { cause: context.signal.reason });
      const m = pack.manifest.sizeMultiple;
      const fit = fitSize(image.width, image.height, maxSide);
      const size = { width: Math.max(m, fit.width - (fit.width % m)), height: Math.max(m, fit.height - (fit.height % m)) };
      const input = size.width === image.width && size.height === image.height ? image : resampleRgb(image, size.width, size.height);
      context.onProgress?.({ stage: 'stylize', progress: 0 });
      const out = await pack.run(input);
      context.onProgress?.({ stage: 'stylize', progress: 1 });
      return out.width === image.width && out.height === image.height ? out : resampleRgb(out, image.width, image.height);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      const pending = loading;
      loading = undefined;
      if (!pending) return;
      try {
        await (await pending).dispose();
      } catch {
        // Nothing was opened.
      }
    },
  };
}
