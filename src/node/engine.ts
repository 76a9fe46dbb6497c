/**
 * Building the stylizer an `EngineSpec` names (see ./engine-spec.ts): `createAnimeMe({ engine })` in
 * a pipeline thread, `anime-me serve --engine`, `anime-me worker --engine` and the CLI's inference
 * thread all go through here.
 */
import {
  createDiffusionStylizer,
  createImageToImageStylizer,
  resolveDevice,
  type DeviceChoice,
  type DiffusionStylizer,
  type ImageToImageStylizer,
} from '../diffusion/index.js';
import { checkEngineSpec, type EngineSpec } from './engine-spec.js';

export { checkEngineSpec, ENGINE_DEVICES, ENGINE_KINDS, type EngineKind, type EngineSpec } from './engine-spec.js';

/** What the ONNX engines build: a stylizer that can be loaded up front and knows its device. */
export type EngineStylizer = DiffusionStylizer | ImageToImageStylizer;

/** The device a spec will run on, resolved now (a missing CUDA provider fails here, with the fix). */
export function engineDevice(spec: EngineSpec, name = 'device'): DeviceChoice | undefined {
  return spec.kind === 'embedded' ? undefined : resolveDevice(spec.device ?? 'cpu', name);
}

/** Build the spec's stylizer (not loaded yet); undefined for the embedded engine (the pipeline's default). */
export function createEngineStylizer(spec: EngineSpec): EngineStylizer | undefined {
  const checked = checkEngineSpec(spec);
  if (checked.kind === 'embedded') return undefined;
  const modelDir = checked.modelDir!;
  const common = {
    modelDir,
    ...(checked.device !== undefined ? { device: checked.device } : {}),
    ...(checked.threads !== undefined ? { threads: checked.threads } : {}),
  };
  if (checked.kind === 'image-to-image') return createImageToImageStylizer(common);
  return createDiffusionStylizer({
    ...common,
    ...(checked.steps !== undefined ? { steps: checked.steps } : {}),
    ...(checked.strength !== undefined ? { strength: checked.strength } : {}),
    ...(checked.guidance !== undefined ? { guidance: checked.guidance } : {}),
    ...(checked.sampler !== undefined ? { scheduler: checked.sampler } : {}),
    ...(checked.tinyVae !== undefined ? { tinyVae: checked.tinyVae } : {}),
  });
}

/**
 * Load the spec's pack once and let it go: a bad pack fails here, at start-up, with the loader's
 * precise message (MODEL_MISSING / MODEL_INVALID naming the file), instead of in every job.
 * Returns the device choice (its note says when 'auto' fell back to the CPU).
 */
export async function checkEngine(spec: EngineSpec): Promise<DeviceChoice | undefined> {
  const stylizer = createEngineStylizer(spec);
  if (!stylizer) return undefined;
  try {
    await stylizer.ready();
    return stylizer.device;
  } finally {
    await stylizer.dispose();
  }
}

/**
 * URL of the pipeline module that builds the Node pipeline with its engine loaded up front, for a
 * worker pool's `pipelineModule` (the .ts source when running under tsx, the .js build otherwise).
 */
export function enginePipelineModule(): string {
  return new URL(`./engine-pipeline${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
}
