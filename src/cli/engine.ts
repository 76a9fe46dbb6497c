/**
 * `--engine` and friends → an EngineSpec (flag ?? environment variable ?? default), shared by the
 * photo CLI, `anime-me serve` and `anime-me worker`; and the CLI's inference thread, which runs an
 * ONNX engine's pipeline off the main thread so progress and Ctrl-C stay responsive.
 */
import type { ProgressEvent } from '../core/types.js';
import { AnimeMeError } from '../errors.js';
import type { DeviceChoice } from '../diffusion/device.js';
import { ENGINE_KINDS, checkEngineSpec, type EngineSpec } from '../node/engine-spec.js';
import type { ThreadRunResult } from '../queue/thread-protocol.js';
import type { JobOptions } from '../queue/types.js';

export { ENGINE_KINDS };

/** The engine flags as parseArgs gives them (strings and booleans). */
export interface EngineFlags {
  engine?: string;
  model?: string;
  steps?: string;
  strength?: string;
  guidance?: string;
  sampler?: string;
  device?: string;
  'tiny-vae'?: boolean;
  vae?: string;
}

/** parseArgs option definitions for the engine flags (the same in every subcommand). */
export const ENGINE_FLAG_OPTIONS = {
  engine: { type: 'string' },
  model: { type: 'string' },
  steps: { type: 'string' },
  strength: { type: 'string' },
  guidance: { type: 'string' },
  sampler: { type: 'string' },
  device: { type: 'string' },
  'tiny-vae': { type: 'boolean' },
  vae: { type: 'string' },
} as const;

/** Environment variables, by flag. */
export const ENGINE_ENV = {
  engine: 'ANIME_ME_ENGINE',
  model: 'ANIME_ME_MODEL',
  steps: 'ANIME_ME_STEPS',
  strength: 'ANIME_ME_STRENGTH',
  guidance: 'ANIME_ME_GUIDANCE',
  sampler: 'ANIME_ME_SAMPLER',
  device: 'ANIME_ME_DEVICE',
  tinyVae: 'ANIME_ME_TINY_VAE',
} as const;

/** Help lines for the engine flags, environment variables in brackets. */
export const ENGINE_HELP = `      --engine <name>        embedded (default, no weights) | diffusion (Stable Diffusion img2img over an
                             ONNX pack you bring) | image-to-image (AnimeGAN-style ONNX pack) (ANIME_ME_ENGINE)
      --model <dir>          the model pack folder for the ONNX engines (ANIME_ME_MODEL)
      --steps <n>            diffusion schedule length, 1–1000 (ANIME_ME_STEPS, default 20; strength cuts it)
      --strength <x>         diffusion denoising strength 0–1 (ANIME_ME_STRENGTH, default 0.5)
      --guidance <x>         classifier-free guidance scale (ANIME_ME_GUIDANCE, default 7)
      --sampler <name>       euler-ancestral (default), euler, ddim, dpmpp-2m, lcm, or A1111 names (ANIME_ME_SAMPLER)
      --device <d>           cpu (default) | cuda | auto (ANIME_ME_DEVICE)
      --tiny-vae             encode/decode with the pack's tiny autoencoder, taesd/ (ANIME_ME_TINY_VAE=1)
      --vae <dir>            encode/decode with this autoencoder folder (TAESD) instead (ANIME_ME_TINY_VAE=<dir>)`;

function number(value: string | undefined, flag: string, from: string): number | undefined {
  if (value === undefined) return undefined;
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) throw new AnimeMeError('INVALID_ARGUMENT', `Expected number for ${from} but received "${value}"`, { details: { parameter: flag } });
  return n;
}

/**
 * The engine spec from flags, then environment variables, then defaults (embedded, cpu). Errors:
 * INVALID_ARGUMENT naming the flag (or variable) and the value.
 */
export function engineSpecFrom(flags: EngineFlags, env: Record<string, string | undefined> = {}): EngineSpec {
  const pick = (flag: keyof typeof ENGINE_ENV & keyof EngineFlags): { value: string | undefined; from: string } =>
    flags[flag] !== undefined ? { value: flags[flag] as string, from: `--${flag}` } : { value: env[ENGINE_ENV[flag]] || undefined, from: ENGINE_ENV[flag] };
  const engine = pick('engine');
  const kind = engine.value ?? 'embedded';
  if (!(ENGINE_KINDS as readonly string[]).includes(kind)) {
    throw new AnimeMeError('INVALID_ARGUMENT', `Expected one of ${ENGINE_KINDS.join(', ')} for ${engine.from} but received "${kind}"`);
  }
  if (kind === 'embedded') return { kind: 'embedded' };
  const model = pick('model');
  if (!model.value) {
    throw new AnimeMeError('INVALID_ARGUMENT', `--engine ${kind} needs --model <dir> (or ${ENGINE_ENV.model}): a model pack folder (see README, "Bring a Stable Diffusion model")`);
  }
  const device = pick('device');
  const spec: Record<string, unknown> = { kind, modelDir: model.value, ...(device.value !== undefined ? { device: device.value } : {}) };
  if (kind === 'diffusion') {
    for (const name of ['steps', 'strength', 'guidance'] as const) {
      const { value, from } = pick(name);
      const n = number(value, name, from);
      if (n !== undefined) spec[name] = n;
    }
    const sampler = pick('sampler');
    if (sampler.value !== undefined) spec.sampler = sampler.value;
    // --vae <dir> names a folder; --tiny-vae the pack's own; the variable may be either.
    if (flags.vae !== undefined) spec.tinyVae = flags.vae;
    else if (flags['tiny-vae']) spec.tinyVae = true;
    else {
      const fromEnv = env[ENGINE_ENV.tinyVae];
      if (fromEnv && !['0', 'false', 'no', 'off'].includes(fromEnv.toLowerCase())) spec.tinyVae = ['1', 'true', 'yes', 'on'].includes(fromEnv.toLowerCase()) ? true : fromEnv;
    }
  } else {
    const stray = (['steps', 'strength', 'guidance', 'sampler'] as const).find((name) => flags[name] !== undefined) ?? (flags['tiny-vae'] || flags.vae !== undefined ? 'tiny-vae' : undefined);
    if (stray) throw new AnimeMeError('INVALID_ARGUMENT', `--${stray} applies to --engine diffusion only`);
  }
  const labels: Partial<Record<keyof EngineSpec, string>> = { kind: engine.from, modelDir: model.from, device: device.from, tinyVae: flags.vae !== undefined ? '--vae' : flags['tiny-vae'] ? '--tiny-vae' : ENGINE_ENV.tinyVae };
  for (const name of ['steps', 'strength', 'guidance', 'sampler'] as const) labels[name] = pick(name).from;
  return checkEngineSpec(spec, 'engine', labels);
}

export interface ThreadPipeline {
  run(bytes: Uint8Array, options: JobOptions, context: { signal?: AbortSignal; onProgress?: (event: ProgressEvent) => void }): Promise<ThreadRunResult>;
  /** Set once the thread failed to start (bad pack): every run fails the same way. */
  readonly startupError: AnimeMeError | undefined;
  dispose(): Promise<void>;
}

/** Longest timer Node accepts (~24.8 days): CPU diffusion jobs have no sensible wall-clock limit here. */
const NO_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * One pipeline thread running the Node pipeline with `engine` (its pack opened there, once). Jobs
 * run one at a time; cancelling a job (its signal) stops it between steps, or ends the thread if it
 * does not answer within `stopGraceMs` (a fresh thread then serves the next job).
 */
export async function createThreadPipeline(
  pipelineOptions: { engine: EngineSpec; upscaler?: boolean },
  options: { stopGraceMs?: number } = {},
): Promise<ThreadPipeline> {
  const [{ createWorkerPool }, { enginePipelineModule }] = await Promise.all([import('../queue/worker-pool.js'), import('../node/engine.js')]);
  let startupError: AnimeMeError | undefined;
  const pool = createWorkerPool({
    size: 1,
    timeoutMs: NO_TIMEOUT_MS,
    ...(options.stopGraceMs !== undefined ? { stopGraceMs: options.stopGraceMs } : {}),
    pipelineModule: enginePipelineModule(),
    pipelineOptions: { ...pipelineOptions, engine: checkEngineSpec(pipelineOptions.engine) } as unknown as Record<string, unknown>,
    onError: (error) => {
      // The pool reports a failed start as final (details.retry false): the pack cannot load.
      if (error instanceof AnimeMeError && error.details?.['retry'] === false) startupError ??= error;
    },
  });
  return {
    run: (bytes, jobOptions, context) => pool.run(bytes, jobOptions, context),
    get startupError() {
      return startupError;
    },
    dispose: () => pool.close(),
  };
}

/** How the operator named the device: the flag, or its environment variable. */
export function deviceLabel(flags: EngineFlags): string {
  return flags.device !== undefined ? '--device' : ENGINE_ENV.device;
}

/** What a service passes to its pipeline threads to run an ONNX engine there. */
export interface ServiceEngine {
  pipelineModule: string;
  pipelineOptions: Record<string, unknown>;
  /** The device the threads use; `note` when 'auto' fell back to the CPU. */
  device: DeviceChoice;
}

/**
 * Prepare `anime-me serve` / `anime-me worker` for an ONNX engine: open the pack once on this
 * thread before anything listens, so a bad pack stops start-up with its precise message, then let
 * it go; the pipeline threads open their own. undefined for the embedded engine.
 */
export async function prepareServiceEngine(engine: EngineSpec, flags: EngineFlags = {}): Promise<ServiceEngine | undefined> {
  if (engine.kind === 'embedded') return undefined;
  const { checkEngine, engineDevice, enginePipelineModule } = await import('../node/engine.js');
  // The device first, named as the operator gave it: `--device cuda` without CUDA fails with the fix.
  engineDevice(engine, deviceLabel(flags));
  const device = (await checkEngine(engine))!;
  return {
    pipelineModule: enginePipelineModule(),
    pipelineOptions: { engine: { ...engine, device: device.device } },
    device,
  };
}

/**
 * Pipeline threads for an ONNX engine: each holds its own copy of the pack's sessions and
 * onnxruntime already spreads one run over every core, so one thread is the default unless the
 * operator set a number (flag or ANIME_ME_CONCURRENCY).
 */
export const ONNX_ENGINE_DEFAULT_CONCURRENCY = 1;
