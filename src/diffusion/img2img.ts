/**
 * Stable Diffusion img2img over an ONNX pack, as numbered steps in the order diffusers'
 * `StableDiffusionImg2ImgPipeline.__call__` runs them:
 *   1 check inputs → 2 encode the prompt → 3 preprocess the image → 4 timesteps from strength →
 *   5 encode the image to latents → 6 noise them to the first kept timestep → 7 denoise →
 *   8 decode → 9 postprocess.
 * The pack (sessions) is shared; the scheduler and the noise source are created fresh per job.
 *
 * Threading: onnxruntime-node's `run()` is synchronous native work (conventions §7), so one UNet
 * step blocks the calling thread for its whole length. This function yields to the event loop
 * between steps (progress, timers and cancellation get through), but a service must run jobs in
 * a worker thread or a sandboxed queue processor, never on its HTTP thread.
 */
import { resampleRgb } from '../core/resample.js';
import type { RgbImage } from '../core/raster.js';
import { AnimeMeError } from '../errors.js';
import { expectIntegerInRange, expectNumberInRange, expectPositiveInteger, invalidParameter, is } from '../validate.js';
import type { OnnxTensor } from '../backends/onnx.js';
import { createOnnxRunner, floatTensor, readFloats, timestepTensor, type OnnxRunner, type OnnxTimings, type StableDiffusionPack } from './pack/index.js';
import { createNoiseSource } from './random.js';
import { createScheduler, lcmGuidanceEmbedding, prepareImg2img, type NoiseSource } from './schedulers/index.js';
import { encodePrompts, type PromptTokenizer, type TextEmbeddings } from './text-encoder.js';

export interface Img2ImgProgress {
  /** Steps done so far (1-based after each step). */
  step: number;
  /** Steps this job runs (after strength cut the schedule). */
  steps: number;
  timestep: number;
}

export interface Img2ImgOptions {
  image: RgbImage;
  prompt: string;
  /** Default ''. */
  negativePrompt?: string;
  /** 0..1: how far from the input to go. 0 returns the input through the VAE. */
  strength: number;
  /** Schedule length before strength cuts it (A1111's "Steps"). */
  steps: number;
  /** Classifier-free guidance scale; ≤ 1 runs the positive prompt alone (one UNet batch). */
  guidanceScale: number;
  seed: number;
  /** Any name `createScheduler` accepts ('euler-ancestral', 'DPM++ 2M Karras', …). */
  scheduler: string;
  /**
   * The image is resized so both sides are multiples of this. Default: the VAE's spatial scale (8,
   * diffusers' modern rule). ONNX UNets traced at a fixed size often need 64 (see the stylizer).
   */
  sizeMultiple?: number;
  signal?: AbortSignal;
  onProgress?: (progress: Img2ImgProgress) => void;
}

export interface Img2ImgTimings extends OnnxTimings {
  totalMs: number;
  /** Time inside onnxruntime. */
  onnxMs: number;
  /** Everything else: tokenizing, pre/post-processing, scheduler maths, conversions, yields. */
  overheadMs: number;
  /** Wall time of each denoising step (yield, scaling, UNet, guidance, scheduler step). */
  stepMs: number[];
}

export interface Img2ImgResult {
  /** The generated image at the processed size (multiples of `sizeMultiple`). */
  image: RgbImage;
  /** Denoising steps run. */
  stepsRun: number;
  /** Index into the full schedule where denoising started. */
  startIndex: number;
  /** True when the prompt was longer than the UNet accepts and was cut. */
  promptTruncated: boolean;
  timings: Img2ImgTimings;
}

const MAX_STEPS = 1000;

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AnimeMeError('CANCELLED', 'Image generation was cancelled', { cause: signal.reason });
}

/** Let timers, I/O and abort handlers run between native calls. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// 1. Check inputs ----------------------------------------------------------------------------

function checkInputs(options: Img2ImgOptions): void {
  if (!is.plainObject(options)) throw invalidParameter('an options object', 'options', options);
  const { image } = options;
  if (!image || !is.integer(image.width) || !is.integer(image.height) || !(image.data instanceof Uint8Array) || image.data.length !== image.width * image.height * 3) {
    throw invalidParameter('an RgbImage (width, height, data of width·height·3 bytes)', 'image', image);
  }
  if (!is.string(options.prompt)) throw invalidParameter('a string', 'prompt', options.prompt);
  if (options.negativePrompt !== undefined && !is.string(options.negativePrompt)) throw invalidParameter('a string', 'negativePrompt', options.negativePrompt);
  expectNumberInRange(options.strength, 'strength', 0, 1);
  expectIntegerInRange(options.steps, 'steps', 1, MAX_STEPS);
  expectNumberInRange(options.guidanceScale, 'guidanceScale', 0, 100);
  if (!is.integer(options.seed) || options.seed < 0) throw invalidParameter('a non-negative integer', 'seed', options.seed);
  if (!is.string(options.scheduler)) throw invalidParameter('a scheduler name', 'scheduler', options.scheduler);
  if (options.sizeMultiple !== undefined) expectPositiveInteger(options.sizeMultiple, 'sizeMultiple', 512);
}

// 3. Preprocess the image ------------------------------------------------------------------

/** The generation size: the UNet's fixed size, else each side floored to the multiple (diffusers' rule). */
export function generationSize(pack: StableDiffusionPack, width: number, height: number, multiple: number): { width: number; height: number } {
  const scale = pack.autoencoder.spatialScale;
  if (pack.io.unet.height !== undefined && pack.io.unet.width !== undefined) {
    return { width: pack.io.unet.width * scale, height: pack.io.unet.height * scale };
  }
  const m = Math.max(multiple, scale);
  return { width: Math.max(m, width - (width % m)), height: Math.max(m, height - (height % m)) };
}

/** RGB bytes → NCHW float32 in [−1, 1]. */
export function imageToTensor(image: RgbImage): Float32Array {
  const plane = image.width * image.height;
  const out = new Float32Array(3 * plane);
  const { data } = image;
  const scale = 1 / 127.5;
  for (let p = 0, i = 0; p < plane; p++, i += 3) {
    out[p] = data[i] * scale - 1;
    out[plane + p] = data[i + 1] * scale - 1;
    out[2 * plane + p] = data[i + 2] * scale - 1;
  }
  return out;
}

// 9. Postprocess ------------------------------------------------------------------------------

/** NCHW float32 in about [−1, 1] → RGB bytes: x/2 + 0.5, clipped to [0, 1]. */
export function tensorToImage(values: Float32Array, width: number, height: number): RgbImage {
  const plane = width * height;
  const data = new Uint8Array(plane * 3);
  // (x/2 + 0.5)·255 = 127.5x + 127.5; the extra 0.5 rounds, and Uint8ClampedArray-style clipping
  // is done by hand because a Uint8Array store would wrap.
  for (let p = 0, i = 0; p < plane; p++, i += 3) {
    for (let c = 0; c < 3; c++) {
      const v = values[c * plane + p] * 127.5 + 128;
      data[i + c] = v <= 0 ? 0 : v >= 255 ? 255 : v;
    }
  }
  return { width, height, data };
}

// 5. Encode the image ---------------------------------------------------------------------------

async function encodeImage(pack: StableDiffusionPack, runner: OnnxRunner, pixels: Float32Array, width: number, height: number): Promise<{ latents: Float32Array; dims: number[] }> {
  // The pack's VAE or the tiny one (TAESD): same signature, each with its own scaling factor.
  const { encoder, io: { encoder: io }, scalingFactor } = pack.autoencoder;
  const out = (await runner.run('vaeEncoder', encoder, { sample: floatTensor(pixels, [1, 3, height, width], io.inputType) }, [io.output]))[io.output];
  const values = readFloats(out, 'vae_encoder');
  const [, channels, h, w] = out.dims;
  const latentChannels = pack.io.unet.latentChannels;
  // latent_parameters is [mean ‖ log-variance]: img2img starts from the mean (deterministic; the
  // posterior's spread is tiny next to the noise added in step 6).
  const expected = io.output === 'latent_parameters' ? 2 * latentChannels : latentChannels;
  if (channels !== expected) {
    throw new AnimeMeError('MODEL_INVALID', `vae_encoder returned ${channels} channels in ${io.output}; expected ${expected}`);
  }
  const latents = values.slice(0, latentChannels * h * w);
  for (let i = 0; i < latents.length; i++) latents[i] *= scalingFactor;
  return { latents, dims: [1, latentChannels, h, w] };
}

// 8. Decode -----------------------------------------------------------------------------------

async function decodeLatents(pack: StableDiffusionPack, runner: OnnxRunner, latents: Float32Array, dims: readonly number[]): Promise<{ values: Float32Array; width: number; height: number }> {
  const { decoder, io: { decoder: io }, scalingFactor } = pack.autoencoder;
  const scaled = new Float32Array(latents.length);
  const inverse = 1 / scalingFactor;
  for (let i = 0; i < latents.length; i++) scaled[i] = latents[i] * inverse;
  const out = (await runner.run('vaeDecoder', decoder, { latent_sample: floatTensor(scaled, dims, io.inputType) }, ['sample'])).sample;
  return { values: readFloats(out, 'vae_decoder'), width: out.dims[3], height: out.dims[2] };
}

// 7. One denoising step's model call ---------------------------------------------------------------

interface UnetCall {
  pack: StableDiffusionPack;
  runner: OnnxRunner;
  /** Text embeddings as a ready feed (converted once per job). */
  text: OnnxTensor;
  /** Per-half text feeds, when a fixed batch of 1 makes CFG run the UNet twice. */
  textHalves?: [OnnxTensor, OnnxTensor];
  cond?: OnnxTensor;
  latentDims: readonly number[];
  classifierFree: boolean;
  guidanceScale: number;
}

/** The UNet's prediction for `input` at `timestep`, with classifier-free guidance applied. */
async function predict(call: UnetCall, input: Float32Array, timestep: number): Promise<Float32Array> {
  const { pack, runner } = call;
  const io = pack.io.unet;
  const session = pack.sessions.unet;
  const n = input.length;
  const [, c, h, w] = call.latentDims;
  const feeds = (sample: Float32Array, batch: number, text: OnnxTensor): Record<string, OnnxTensor> => {
    const feed: Record<string, OnnxTensor> = {
      sample: floatTensor(sample, [batch, c, h, w], io.sampleType),
      timestep: timestepTensor(timestep, io.timestepType, io.timestepRank, batch),
      encoder_hidden_states: text,
    };
    if (call.cond) feed.timestep_cond = call.cond;
    return feed;
  };
  if (!call.classifierFree) {
    return readFloats((await runner.run('unet', session, feeds(input, 1, call.text), [io.output]))[io.output], 'unet');
  }
  let uncond: Float32Array;
  let cond: Float32Array;
  if (call.textHalves) {
    uncond = readFloats((await runner.run('unet', session, feeds(input, 1, call.textHalves[0]), [io.output]))[io.output], 'unet');
    cond = readFloats((await runner.run('unet', session, feeds(input, 1, call.textHalves[1]), [io.output]))[io.output], 'unet');
  } else {
    // One batched call [uncond, cond], as diffusers does.
    const doubled = new Float32Array(2 * n);
    doubled.set(input);
    doubled.set(input, n);
    const out = readFloats((await runner.run('unet', session, feeds(doubled, 2, call.text), [io.output]))[io.output], 'unet');
    uncond = out.subarray(0, n);
    cond = out.subarray(n, 2 * n);
  }
  const guided = new Float32Array(n);
  const g = call.guidanceScale;
  for (let i = 0; i < n; i++) guided[i] = uncond[i] + g * (cond[i] - uncond[i]);
  return guided;
}

function textFeeds(pack: StableDiffusionPack, embeddings: TextEmbeddings): Pick<UnetCall, 'text' | 'textHalves'> {
  const type = pack.io.unet.textType;
  const { batch, sequenceLength, hiddenSize, data } = embeddings;
  const text = floatTensor(data, [batch, sequenceLength, hiddenSize], type);
  if (batch === 2 && pack.io.unet.batch === 1) {
    const half = sequenceLength * hiddenSize;
    return {
      text,
      textHalves: [floatTensor(data.subarray(0, half), [1, sequenceLength, hiddenSize], type), floatTensor(data.subarray(half), [1, sequenceLength, hiddenSize], type)],
    };
  }
  return { text };
}

/** Run img2img on an open pack. Errors: INVALID_ARGUMENT, CANCELLED, MODEL_INVALID, INTERNAL (onnxruntime). */
export async function runImg2Img(pack: StableDiffusionPack, tokenizer: PromptTokenizer, options: Img2ImgOptions): Promise<Img2ImgResult> {
  const start = performance.now();
  // 1. Check inputs.
  checkInputs(options);
  const { signal, strength, steps, guidanceScale } = options;
  throwIfAborted(signal);
  const runner = createOnnxRunner();
  const timestepCond = pack.io.unet.timestepCond;
  // Guidance-distilled (LCM) UNets take the scale as an input and need no negative batch.
  const classifierFree = guidanceScale > 1 && !timestepCond;

  // 2. Encode the prompt: [negative, positive] when guiding.
  const embeddings =
    strength === 0
      ? undefined
      : await encodePrompts(pack, tokenizer, runner, { prompt: options.prompt, negativePrompt: options.negativePrompt ?? '', classifierFree });
  throwIfAborted(signal);

  // 3. Preprocess the image: size to the multiple, [−1, 1], NCHW.
  const size = generationSize(pack, options.image.width, options.image.height, options.sizeMultiple ?? pack.autoencoder.spatialScale);
  const resized = size.width === options.image.width && size.height === options.image.height ? options.image : resampleRgb(options.image, size.width, size.height);
  const pixels = imageToTensor(resized);

  // 4. Timesteps from strength (modern rule), on a fresh scheduler. Strength 0 runs no step.
  const scheduler = strength === 0 ? undefined : createScheduler(options.scheduler, pack.schedulerConfig);
  const plan = scheduler ? prepareImg2img(scheduler, steps, strength) : undefined;

  // 5. Encode the image: VAE mean × scaling factor (the tiny VAE's config says 1: already scaled).
  const encoded = await encodeImage(pack, runner, pixels, size.width, size.height);
  throwIfAborted(signal);
  let latents = encoded.latents;
  const stepMs: number[] = [];

  if (scheduler && plan && embeddings) {
    // 6. Noise the latents to the first kept timestep, from this job's own seeded source.
    const noise: NoiseSource = createNoiseSource(options.seed);
    const initial = new Float32Array(latents.length);
    noise.fill(initial);
    latents = scheduler.addNoise(latents, initial, plan.noiseTimestep);

    // 7. Denoise: scale input → UNet (+ CFG) → scheduler step, yielding between steps.
    const call: UnetCall = {
      pack,
      runner,
      ...textFeeds(pack, embeddings),
      ...(timestepCond ? { cond: floatTensor(lcmGuidanceEmbedding(guidanceScale, timestepCond.dim), [1, timestepCond.dim], timestepCond.type) } : {}),
      latentDims: encoded.dims,
      classifierFree,
      guidanceScale,
    };
    for (let i = 0; i < plan.timesteps.length; i++) {
      const stepStart = performance.now();
      await yieldToEventLoop();
      throwIfAborted(signal);
      const t = plan.timesteps[i];
      runner.beginStep();
      const modelInput = scheduler.scaleModelInput(latents, t);
      const prediction = await predict(call, modelInput, t);
      latents = scheduler.step(prediction, t, latents, noise).prevSample;
      stepMs.push(performance.now() - stepStart);
      options.onProgress?.({ step: i + 1, steps: plan.timesteps.length, timestep: t });
    }
    await yieldToEventLoop();
    throwIfAborted(signal);
  }

  // 8. Decode: ÷ scaling factor, VAE decoder.
  const decoded = await decodeLatents(pack, runner, latents, encoded.dims);

  // 9. Postprocess to RGB bytes.
  const image = tensorToImage(decoded.values, decoded.width, decoded.height);
  const totalMs = performance.now() - start;
  return {
    image,
    stepsRun: plan?.timesteps.length ?? 0,
    startIndex: plan?.startIndex ?? steps,
    promptTruncated: embeddings?.truncated ?? false,
    timings: { ...runner.timings, totalMs, onnxMs: runner.totalMs, overheadMs: totalMs - runner.totalMs, stepMs },
  };
}
