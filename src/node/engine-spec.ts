/**
 * The stylizer engine as plain data, and its validation. An `EngineSpec` survives structured
 * cloning, so it can be handed to a worker thread (workerData) and the stylizer built there. This
 * module loads no runtime (no onnxruntime), so the HTTP process can check a spec cheaply; building
 * the engine is in ./engine.ts.
 */
import type { OnnxDevice } from '../backends/onnx.js';
import { resolveSchedulerName } from '../diffusion/schedulers/index.js';
import { expectIntegerInRange, expectNumberInRange, expectOneOf, expectPositiveInteger, invalidParameter, is } from '../validate.js';

/** The devices an engine may name (the backend's list; availability is checked when it is built). */
export const ENGINE_DEVICES = ['cpu', 'cuda', 'auto'] as const satisfies readonly OnnxDevice[];

export const ENGINE_KINDS = ['embedded', 'diffusion', 'image-to-image'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

export interface EngineSpec {
  /** 'embedded' (no weights), 'diffusion' (Stable Diffusion img2img pack) or 'image-to-image' (feed-forward pack). */
  kind: EngineKind;
  /** The model pack folder; required by the ONNX engines. */
  modelDir?: string;
  /** Diffusion only: schedule length, strength, guidance scale and sampler (defaults in DIFFUSION_DEFAULTS). */
  steps?: number;
  strength?: number;
  guidance?: number;
  sampler?: string;
  /** ONNX engines: 'cpu' (default), 'cuda' or 'auto'. */
  device?: OnnxDevice;
  /** ONNX engines: onnxruntime intra-op threads (default: one per core). */
  threads?: number;
  /** Diffusion only: encode/decode through the pack's taesd/ (true) or this autoencoder folder. */
  tinyVae?: boolean | string;
}

const DIFFUSION_ONLY = ['steps', 'strength', 'guidance', 'sampler', 'tinyVae'] as const;

/**
 * Check a spec at the public edge and return a clean copy (only known keys). Errors:
 * INVALID_ARGUMENT naming the field, e.g. "Expected integer between 1 and 1000 for engine.steps but
 * received 0 of type number".
 */
export function checkEngineSpec(value: unknown, name = 'engine', labels: Partial<Record<keyof EngineSpec, string>> = {}): EngineSpec {
  if (!is.plainObject(value)) throw invalidParameter('an engine spec object ({ kind, modelDir, … })', name, value);
  // Error messages name the field as the caller knows it (`--steps` on the command line).
  const label = (key: keyof EngineSpec) => labels[key] ?? `${name}.${key}`;
  const kind = expectOneOf(value.kind, label('kind'), ENGINE_KINDS);
  const known = new Set(['kind', 'modelDir', 'device', 'threads', ...DIFFUSION_ONLY]);
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw invalidParameter(`one of the engine fields (${[...known].join(', ')})`, `${name} field`, key);
  }
  if (kind === 'embedded') return { kind };
  if (!is.string(value.modelDir) || value.modelDir.length === 0) throw invalidParameter('a model pack folder path', label('modelDir'), value.modelDir);
  const spec: EngineSpec = { kind, modelDir: value.modelDir };
  if (value.device !== undefined) spec.device = expectOneOf(value.device, label('device'), ENGINE_DEVICES);
  if (value.threads !== undefined) spec.threads = expectPositiveInteger(value.threads, label('threads'), 256);
  if (kind === 'image-to-image') {
    const extra = DIFFUSION_ONLY.find((key) => value[key] !== undefined);
    if (extra) throw invalidParameter('nothing (it applies to the diffusion engine only)', label(extra), value[extra]);
    return spec;
  }
  if (value.steps !== undefined) spec.steps = expectIntegerInRange(value.steps, label('steps'), 1, 1000);
  if (value.strength !== undefined) spec.strength = expectNumberInRange(value.strength, label('strength'), 0, 1);
  if (value.guidance !== undefined) spec.guidance = expectNumberInRange(value.guidance, label('guidance'), 0, 100);
  if (value.sampler !== undefined) {
    if (!is.string(value.sampler)) throw invalidParameter('a sampler name', label('sampler'), value.sampler);
    resolveSchedulerName(value.sampler);
    spec.sampler = value.sampler;
  }
  if (value.tinyVae !== undefined) {
    if (!is.bool(value.tinyVae) && !(is.string(value.tinyVae) && value.tinyVae.length > 0)) {
      throw invalidParameter('true, false or an autoencoder folder path', label('tinyVae'), value.tinyVae);
    }
    spec.tinyVae = value.tinyVae;
  }
  return spec;
}
