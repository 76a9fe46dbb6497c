/**
 * The img2img start point (modern diffusers rule, conventions §4): skip the first
 * steps − ⌊steps·strength⌋ timesteps, tell the scheduler where it starts, and noise the encoded
 * image to the first kept timestep. LCM instead folds strength into its timestep setup.
 */
import { AnimeMeError } from '../../errors.js';
import { expectNumberInRange, expectPositiveInteger } from '../../validate.js';
import type { Scheduler } from './scheduler.js';

/** steps − min(⌊steps·strength⌋, steps), never below 0. */
export function img2imgStartIndex(steps: number, strength: number): number {
  expectPositiveInteger(steps, 'steps');
  expectNumberInRange(strength, 'strength', 0, 1);
  const initTimestep = Math.min(Math.floor(steps * strength), steps);
  return Math.max(steps - initTimestep, 0);
}

export interface Img2imgPlan {
  /** Index into `scheduler.timesteps` where denoising starts (already passed to setBeginIndex). */
  startIndex: number;
  /** The timesteps to run, in order: `scheduler.timesteps` from `startIndex` on. */
  timesteps: Float64Array;
  /** Pass this to `scheduler.addNoise` to noise the encoded image; it equals `timesteps[0]`. */
  noiseTimestep: number;
}

/** Set up a fresh scheduler for img2img: timesteps, begin index and the noising timestep. */
export function prepareImg2img(scheduler: Scheduler, steps: number, strength: number): Img2imgPlan {
  const startIndex = scheduler.strengthInTimesteps ? 0 : img2imgStartIndex(steps, strength);
  if (scheduler.strengthInTimesteps) scheduler.setTimesteps(steps, { strength });
  else scheduler.setTimesteps(steps);
  if (startIndex >= scheduler.timesteps.length) {
    throw new AnimeMeError(
      'INVALID_ARGUMENT',
      `Denoising strength ${strength} with ${steps} steps leaves no step to run; raise the strength or the steps`,
      { details: { parameter: 'strength' } },
    );
  }
  scheduler.setBeginIndex(startIndex);
  const timesteps = scheduler.timesteps.slice(startIndex);
  return { startIndex, timesteps, noiseTimestep: timesteps[0] };
}
