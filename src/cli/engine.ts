/** `--engine` → a Stylizer. The embedded engine needs nothing; the ONNX engines need `--model <dir>`. */
import type { Stylizer } from '../core/types.js';
import { createDiffusionStylizer, createImageToImageStylizer } from '../diffusion/index.js';
import { AnimeMeError } from '../errors.js';

export const ENGINES = ['embedded', 'diffusion', 'image-to-image'] as const;

export interface EngineFlags {
  engine?: string;
  model?: string;
  steps?: string;
  strength?: string;
  guidance?: string;
  sampler?: string;
  device?: string;
}

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new AnimeMeError('INVALID_ARGUMENT', `Expected number for --${flag} but received "${value}"`);
  return n;
}

/** undefined = the default embedded engine. */
export async function createEngineStylizer(flags: EngineFlags): Promise<Stylizer | undefined> {
  const engine = flags.engine ?? 'embedded';
  if (!(ENGINES as readonly string[]).includes(engine)) {
    throw new AnimeMeError('INVALID_ARGUMENT', `Expected one of ${ENGINES.join(', ')} for --engine but received "${engine}"`);
  }
  if (engine === 'embedded') return undefined;
  if (!flags.model) {
    throw new AnimeMeError('INVALID_ARGUMENT', `--engine ${engine} needs --model <dir>: a model pack folder (see README, "Bring a Stable Diffusion model")`);
  }
  const device = flags.device ?? 'cpu';
  if (!['cpu', 'cuda', 'auto'].includes(device)) {
    throw new AnimeMeError('INVALID_ARGUMENT', `Expected one of cpu, cuda, auto for --device but received "${device}"`);
  }
  if (engine === 'image-to-image') {
    const stylizer = createImageToImageStylizer({ modelDir: flags.model });
    await stylizer.ready();
    return stylizer;
  }
  const steps = number(flags.steps, 'steps');
  const strength = number(flags.strength, 'strength');
  const guidance = number(flags.guidance, 'guidance');
  const stylizer = createDiffusionStylizer({
    modelDir: flags.model,
    device: device as 'cpu' | 'cuda' | 'auto',
    ...(flags.sampler !== undefined ? { scheduler: flags.sampler } : {}),
    ...(steps !== undefined ? { steps } : {}),
    ...(strength !== undefined ? { strength } : {}),
    ...(guidance !== undefined ? { guidance } : {}),
  });
  // Load now so a bad pack fails once, up front, with its precise message, not once per photo.
  await stylizer.ready();
  return stylizer;
}
