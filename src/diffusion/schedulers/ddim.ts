/**
 * DDIM (Song et al. 2020), following diffusers' DDIMScheduler: deterministic when η = 0, which is
 * what A1111's "DDIM" uses by default.
 */
import { invalidParameter } from '../../validate.js';
import {
  alphasCumprod,
  configNumber,
  drawNoise,
  expectSameLength,
  expectSteps,
  requireTimesteps,
  roundHalfEven,
  spacedTimesteps,
  withDefaults,
} from './common.js';
import type { NoiseSource, Scheduler, SchedulerConfig, StepResult } from './scheduler.js';

export interface DdimOptions {
  /** Stochasticity η in [0, 1]; 0 (the default) is plain DDIM. */
  eta?: number;
}

/** diffusers DDIMScheduler defaults, used for keys the pack's config leaves out. */
export const DDIM_DEFAULTS: SchedulerConfig = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'linear',
  prediction_type: 'epsilon',
  steps_offset: 0,
  timestep_spacing: 'leading',
  set_alpha_to_one: true,
  clip_sample: true,
  clip_sample_range: 1,
};

export function createDdimScheduler(config: Partial<SchedulerConfig>, options: DdimOptions = {}): Scheduler {
  return new DdimScheduler(withDefaults(config, DDIM_DEFAULTS), options);
}

class DdimScheduler implements Scheduler {
  readonly name = 'ddim';
  readonly config: Readonly<SchedulerConfig>;
  readonly initNoiseSigma = 1;
  timesteps: Float64Array = new Float64Array(0);
  private readonly alphas: Float64Array;
  private readonly finalAlpha: number;
  private readonly eta: number;
  private readonly clipRange: number;
  private numInferenceSteps = 0;

  constructor(config: SchedulerConfig, options: DdimOptions) {
    this.config = config;
    this.alphas = alphasCumprod(config);
    // Where the last step lands: fully clean (1) or the first training level.
    this.finalAlpha = config.set_alpha_to_one ? 1 : this.alphas[0];
    const eta = options.eta ?? 0;
    if (!(eta >= 0 && eta <= 1)) throw invalidParameter('number between 0 and 1', 'eta', eta);
    this.eta = eta;
    this.clipRange = configNumber(config, 'clip_sample_range', 1);
  }

  setTimesteps(numInferenceSteps: number): void {
    this.numInferenceSteps = expectSteps(numInferenceSteps, this.config.num_train_timesteps);
    // DDIM indexes ᾱ by integer timestep, so "linspace" points are rounded (numpy rounding).
    this.timesteps = spacedTimesteps(this.config, numInferenceSteps).map(roundHalfEven);
  }

  // DDIM indexes ᾱ by timestep, not by position, so the loop's start index needs no bookkeeping.
  setBeginIndex(): void {}

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise?: NoiseSource): StepResult {
    requireTimesteps(this.timesteps, this.name);
    expectSameLength(modelOutput, sample, 'model output and sample');
    const prevTimestep = timestep - Math.floor(this.config.num_train_timesteps / this.numInferenceSteps);
    const alphaT = this.alphaAt(timestep);
    const alphaPrev = prevTimestep >= 0 ? this.alphaAt(prevTimestep) : this.finalAlpha;
    const betaT = 1 - alphaT;
    const variance = ((1 - alphaPrev) / betaT) * (1 - alphaT / alphaPrev);
    const std = this.eta * Math.sqrt(variance);
    const sqrtAlphaT = Math.sqrt(alphaT);
    const sqrtBetaT = Math.sqrt(betaT);
    const sqrtAlphaPrev = Math.sqrt(alphaPrev);
    const direction = Math.sqrt(Math.max(1 - alphaPrev - std * std, 0));
    const clip = this.config.clip_sample === true;
    const range = this.clipRange;
    const prediction = this.config.prediction_type;

    const z = std > 0 ? drawNoise(noise, sample.length, this.name) : undefined;
    const prev = new Float32Array(sample.length);
    const x0 = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i];
      const m = modelOutput[i];
      let original: number;
      let eps: number;
      if (prediction === 'epsilon') {
        original = (x - sqrtBetaT * m) / sqrtAlphaT;
        eps = m;
      } else if (prediction === 'v_prediction') {
        original = sqrtAlphaT * x - sqrtBetaT * m;
        eps = sqrtAlphaT * m + sqrtBetaT * x;
      } else {
        original = m;
        eps = (x - sqrtAlphaT * m) / sqrtBetaT;
      }
      // diffusers clips x0 but keeps the unclipped ε for the direction term.
      if (clip) original = Math.min(Math.max(original, -range), range);
      let value = sqrtAlphaPrev * original + direction * eps;
      if (z) value += std * z[i];
      prev[i] = value;
      x0[i] = original;
    }
    return { prevSample: prev, predOriginalSample: x0 };
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    expectSameLength(original, noise, 'original and noise');
    const alpha = this.alphaAt(timestep);
    const a = Math.sqrt(alpha);
    const b = Math.sqrt(1 - alpha);
    const out = new Float32Array(original.length);
    for (let i = 0; i < out.length; i++) out[i] = a * original[i] + b * noise[i];
    return out;
  }

  private alphaAt(timestep: number): number {
    const index = Math.round(timestep);
    if (index < 0 || index >= this.alphas.length) throw invalidParameter(`timestep in 0..${this.alphas.length - 1}`, 'timestep', timestep);
    return this.alphas[index];
  }
}
