/**
 * Euler ancestral (A1111's "Euler a"), following diffusers' EulerAncestralDiscreteScheduler: each
 * step moves deterministically down to σ_down and re-injects fresh noise of size σ_up, so
 * σ_down² + σ_up² = σ_next².
 */
import {
  alphasCumprod,
  discreteSigmaSchedule,
  drawNoise,
  eulerInitNoiseSigma,
  expectSameLength,
  expectStepLeft,
  expectSteps,
  requireTimesteps,
  StepIndex,
  trainingSigmaSchedule,
  withDefaults,
} from './common.js';
import { EULER_DEFAULTS } from './euler.js';
import type { NoiseSource, Scheduler, SchedulerConfig, StepResult } from './scheduler.js';

export function createEulerAncestralScheduler(config: Partial<SchedulerConfig>): Scheduler {
  return new EulerAncestralScheduler(withDefaults(config, EULER_DEFAULTS));
}

class EulerAncestralScheduler implements Scheduler {
  readonly name = 'euler-ancestral';
  readonly config: Readonly<SchedulerConfig>;
  timesteps: Float64Array = new Float64Array(0);
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

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise?: NoiseSource): StepResult {
    requireTimesteps(this.timesteps, this.name);
    expectSameLength(modelOutput, sample, 'model output and sample');
    const i = this.index.resolve(this.timesteps, timestep);
    expectStepLeft(i, this.timesteps.length, this.name);
    const sigma = this.sigmas[i];
    const next = this.sigmas[i + 1];
    const sigmaUp = Math.sqrt((next * next * (sigma * sigma - next * next)) / (sigma * sigma));
    const sigmaDown = Math.sqrt(Math.max(next * next - sigmaUp * sigmaUp, 0));
    const dt = sigmaDown - sigma;
    const prediction = this.config.prediction_type;
    const vScale = -sigma / Math.sqrt(sigma * sigma + 1);
    const vSample = 1 / (sigma * sigma + 1);
    // The last step (σ_next = 0) adds no noise, so it needs no noise source.
    const z = sigmaUp > 0 ? drawNoise(noise, sample.length, this.name) : undefined;

    const prev = new Float32Array(sample.length);
    const x0 = new Float32Array(sample.length);
    for (let k = 0; k < sample.length; k++) {
      const x = sample[k];
      const m = modelOutput[k];
      const original = prediction === 'epsilon' ? x - sigma * m : prediction === 'v_prediction' ? m * vScale + x * vSample : m;
      let value = x + ((x - original) / sigma) * dt;
      if (z) value += z[k] * sigmaUp;
      prev[k] = value;
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
