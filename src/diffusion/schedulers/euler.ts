/**
 * Euler (Karras et al. 2022, Algorithm 2 without churn), following diffusers'
 * EulerDiscreteScheduler. Latents live in σ-space: the UNet sees x/√(σ²+1).
 */
import {
  alphasCumprod,
  discreteSigmaSchedule,
  eulerInitNoiseSigma,
  expectSameLength,
  expectStepLeft,
  expectSteps,
  requireTimesteps,
  StepIndex,
  trainingSigmaSchedule,
  withDefaults,
} from './common.js';
import type { Scheduler, SchedulerConfig, StepResult } from './scheduler.js';

/** diffusers EulerDiscreteScheduler defaults, used for keys the pack's config leaves out. */
export const EULER_DEFAULTS: SchedulerConfig = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'linear',
  prediction_type: 'epsilon',
  steps_offset: 0,
  timestep_spacing: 'linspace',
  use_karras_sigmas: false,
};

export function createEulerScheduler(config: Partial<SchedulerConfig>): Scheduler {
  return new EulerScheduler(withDefaults(config, EULER_DEFAULTS));
}

class EulerScheduler implements Scheduler {
  readonly name = 'euler';
  readonly config: Readonly<SchedulerConfig>;
  timesteps: Float64Array = new Float64Array(0);
  /** σ per step plus a final 0. */
  sigmas: Float64Array;
  private readonly alphas: Float64Array;
  private readonly index = new StepIndex();

  constructor(config: SchedulerConfig) {
    this.config = config;
    this.alphas = alphasCumprod(config);
    this.sigmas = trainingSigmaSchedule(this.alphas);
  }

  get initNoiseSigma(): number {
    return eulerInitNoiseSigma(this.config, this.sigmas);
  }

  setTimesteps(numInferenceSteps: number): void {
    const count = expectSteps(numInferenceSteps, this.config.num_train_timesteps);
    const schedule = discreteSigmaSchedule(this.config, this.alphas, count, this.config.use_karras_sigmas === true);
    this.timesteps = schedule.timesteps;
    this.sigmas = schedule.sigmas;
    this.index.reset();
  }

  setBeginIndex(index: number): void {
    this.index.setBegin(index, this.timesteps.length);
  }

  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    requireTimesteps(this.timesteps, this.name);
    const sigma = this.sigmas[this.index.resolve(this.timesteps, timestep)];
    const scale = 1 / Math.sqrt(sigma * sigma + 1);
    const out = new Float32Array(sample.length);
    for (let i = 0; i < out.length; i++) out[i] = sample[i] * scale;
    return out;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): StepResult {
    requireTimesteps(this.timesteps, this.name);
    expectSameLength(modelOutput, sample, 'model output and sample');
    const i = this.index.resolve(this.timesteps, timestep);
    expectStepLeft(i, this.timesteps.length, this.name);
    const sigma = this.sigmas[i];
    const dt = this.sigmas[i + 1] - sigma;
    const prediction = this.config.prediction_type;
    const vScale = -sigma / Math.sqrt(sigma * sigma + 1);
    const vSample = 1 / (sigma * sigma + 1);

    const prev = new Float32Array(sample.length);
    const x0 = new Float32Array(sample.length);
    for (let k = 0; k < sample.length; k++) {
      const x = sample[k];
      const m = modelOutput[k];
      const original = prediction === 'epsilon' ? x - sigma * m : prediction === 'v_prediction' ? m * vScale + x * vSample : m;
      // The ODE derivative dx/dσ = (x − x0)/σ, followed for one Euler step.
      prev[k] = x + ((x - original) / sigma) * dt;
      x0[k] = original;
    }
    this.index.advance();
    return { prevSample: prev, predOriginalSample: x0 };
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    expectSameLength(original, noise, 'original and noise');
    requireTimesteps(this.timesteps, this.name);
    const sigma = this.sigmas[this.index.forNoise(this.timesteps, timestep)];
    const out = new Float32Array(original.length);
    for (let k = 0; k < out.length; k++) out[k] = original[k] + noise[k] * sigma;
    return out;
  }
}
