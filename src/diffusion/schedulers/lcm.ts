/**
 * Latent Consistency Model multistep sampling (Luo et al. 2023), following diffusers'
 * LCMScheduler: each step jumps straight to a clean estimate (through the consistency boundary
 * condition) and, except on the last step, re-noises it to the next timestep.
 */
import { AnimeMeError } from '../../errors.js';
import { expectNumberInRange, expectPositiveInteger } from '../../validate.js';
import {
  alphasCumprod,
  configNumber,
  drawNoise,
  expectSameLength,
  expectSteps,
  requireTimesteps,
  StepIndex,
  withDefaults,
} from './common.js';
import type { NoiseSource, Scheduler, SchedulerConfig, SetTimestepsOptions, StepResult } from './scheduler.js';

/** diffusers LCMScheduler defaults, used for keys the pack's config leaves out. */
export const LCM_DEFAULTS: SchedulerConfig = {
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  prediction_type: 'epsilon',
  steps_offset: 0,
  timestep_spacing: 'leading',
  set_alpha_to_one: true,
  clip_sample: false,
  clip_sample_range: 1,
  original_inference_steps: 50,
  timestep_scaling: 10,
};

/** Consistency-model boundary condition: σ_data = 0.5 (diffusers `sigma_data`). */
const SIGMA_DATA = 0.5;

export function createLcmScheduler(config: Partial<SchedulerConfig>): Scheduler {
  return new LcmScheduler(withDefaults(config, LCM_DEFAULTS));
}

/**
 * The UNet's `timestep_cond` for guidance-distilled LCMs: sinusoidal features of w = (g − 1)·1000,
 * sines then cosines over `dim/2` frequencies from 1 down to 1/10000 (odd `dim` is zero-padded).
 */
export function lcmGuidanceEmbedding(guidanceScale: number, dim: number): Float32Array {
  expectPositiveInteger(dim, 'dim', 65_536);
  const w = (guidanceScale - 1) * 1000;
  const half = Math.floor(dim / 2);
  const out = new Float32Array(dim);
  const rate = half > 1 ? Math.log(10000) / (half - 1) : 0;
  for (let i = 0; i < half; i++) {
    const angle = w * Math.fround(Math.exp(-rate * i));
    out[i] = Math.sin(angle);
    out[half + i] = Math.cos(angle);
  }
  return out;
}

class LcmScheduler implements Scheduler {
  readonly name = 'lcm';
  readonly config: Readonly<SchedulerConfig>;
  readonly initNoiseSigma = 1;
  readonly strengthInTimesteps = true;
  timesteps: Float64Array = new Float64Array(0);
  private readonly alphas: Float64Array;
  private readonly finalAlpha: number;
  private readonly timestepScaling: number;
  private readonly clipRange: number;
  private readonly index = new StepIndex();

  constructor(config: SchedulerConfig) {
    this.config = config;
    this.alphas = alphasCumprod(config);
    this.finalAlpha = config.set_alpha_to_one ? 1 : this.alphas[0];
    this.timestepScaling = configNumber(config, 'timestep_scaling', 10);
    this.clipRange = configNumber(config, 'clip_sample_range', 1);
  }

  /**
   * Picks `n` of the distillation schedule's timesteps (k·i − 1, k = train steps / original steps),
   * evenly by position. With img2img strength s only the first ⌊original·s⌋ of them are eligible,
   * so the schedule itself starts at the right noise level.
   */
  setTimesteps(numInferenceSteps: number, options: SetTimestepsOptions = {}): void {
    const n = this.config.num_train_timesteps;
    const original = expectPositiveInteger(configNumber(this.config, 'original_inference_steps', 50), 'original_inference_steps', n);
    const count = expectSteps(numInferenceSteps, original);
    const strength = options.strength === undefined ? 1 : expectNumberInRange(options.strength, 'strength', 0, 1);
    const k = Math.floor(n / original);
    const eligible = Math.floor(original * strength);
    if (eligible < count) {
      throw new AnimeMeError(
        'INVALID_ARGUMENT',
        `LCM with strength ${strength} has only ${eligible} usable timesteps, fewer than the ${count} steps asked for; raise the strength or lower the steps`,
        { details: { parameter: 'strength' } },
      );
    }
    const timesteps = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      // Candidates high noise first are (eligible − j)·k − 1; j = ⌊i·(eligible/count)⌋ as numpy computes it.
      const j = Math.floor(i * (eligible / count));
      timesteps[i] = (eligible - j) * k - 1;
    }
    this.timesteps = timesteps;
    this.index.reset();
  }

  setBeginIndex(index: number): void {
    this.index.setBegin(index, this.timesteps.length);
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise?: NoiseSource): StepResult {
    requireTimesteps(this.timesteps, this.name);
    expectSameLength(modelOutput, sample, 'model output and sample');
    const i = this.index.resolve(this.timesteps, timestep);
    const last = i >= this.timesteps.length - 1;
    const prevTimestep = last ? timestep : this.timesteps[i + 1];
    const alphaT = this.alphaAt(timestep);
    const alphaPrev = prevTimestep >= 0 ? this.alphaAt(prevTimestep) : this.finalAlpha;
    const sqrtAlphaT = Math.sqrt(alphaT);
    const sqrtBetaT = Math.sqrt(1 - alphaT);

    const scaled = timestep * this.timestepScaling;
    const cSkip = (SIGMA_DATA * SIGMA_DATA) / (scaled * scaled + SIGMA_DATA * SIGMA_DATA);
    const cOut = scaled / Math.sqrt(scaled * scaled + SIGMA_DATA * SIGMA_DATA);
    const clip = this.config.clip_sample === true;
    const range = this.clipRange;
    const prediction = this.config.prediction_type;

    const denoised = new Float32Array(sample.length);
    for (let k = 0; k < sample.length; k++) {
      const x = sample[k];
      const m = modelOutput[k];
      let original = prediction === 'epsilon' ? (x - sqrtBetaT * m) / sqrtAlphaT : prediction === 'v_prediction' ? sqrtAlphaT * x - sqrtBetaT * m : m;
      if (clip) original = Math.min(Math.max(original, -range), range);
      denoised[k] = cOut * original + cSkip * x;
    }
    this.index.advance();
    if (last) return { prevSample: denoised, predOriginalSample: denoised };

    const z = drawNoise(noise, sample.length, this.name);
    const a = Math.sqrt(alphaPrev);
    const b = Math.sqrt(1 - alphaPrev);
    const prev = new Float32Array(sample.length);
    for (let k = 0; k < prev.length; k++) prev[k] = a * denoised[k] + b * z[k];
    return { prevSample: prev, predOriginalSample: denoised };
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    expectSameLength(original, noise, 'original and noise');
    const alpha = this.alphaAt(timestep);
    const a = Math.sqrt(alpha);
    const b = Math.sqrt(1 - alpha);
    const out = new Float32Array(original.length);
    for (let k = 0; k < out.length; k++) out[k] = a * original[k] + b * noise[k];
    return out;
  }

  private alphaAt(timestep: number): number {
    return this.alphas[Math.min(Math.max(Math.round(timestep), 0), this.alphas.length - 1)];
  }
}
