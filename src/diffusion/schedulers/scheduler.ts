/**
 * The scheduler protocol (diffusers-style): create fresh per job, `setTimesteps(n)` first, then loop
 * over `timesteps`, calling `scaleModelInput` before the UNet and `step` after it. One algorithm per
 * file in this folder; schedulers import nothing but this file and plain maths.
 */

/** The `scheduler/scheduler_config.json` fields the implemented schedulers read (diffusers names). */
export interface SchedulerConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
  prediction_type: 'epsilon' | 'v_prediction' | 'sample';
  steps_offset: number;
  timestep_spacing: 'leading' | 'trailing' | 'linspace';
  set_alpha_to_one?: boolean;
  clip_sample?: boolean;
  use_karras_sigmas?: boolean;
  /** LCM */
  original_inference_steps?: number;
  timestep_scaling?: number;
  [key: string]: unknown;
}

/** Options for `setTimesteps` (added for LCM img2img; other schedulers ignore them). */
export interface SetTimestepsOptions {
  /**
   * img2img strength in (0, 1]. Only schedulers with `strengthInTimesteps` use it: they build a
   * schedule that already starts at the right noise level, so the loop keeps begin index 0.
   */
  strength?: number;
}

/** Deterministic standard-normal source (seeded per job). */
export interface NoiseSource {
  /** Fill `out` with N(0,1) samples. */
  fill(out: Float32Array): void;
}

export interface StepResult {
  prevSample: Float32Array;
  /** The model's estimate of the clean latent, when the algorithm computes it. */
  predOriginalSample?: Float32Array;
}

export interface Scheduler {
  readonly name: string;
  readonly config: Readonly<SchedulerConfig>;
  /** Set by setTimesteps: the timesteps to run, high noise first. */
  readonly timesteps: Float64Array;
  /** Noise level of the very first latent for text-to-image (1 for DDIM-like, σ_max-ish for Euler-like). */
  readonly initNoiseSigma: number;
  /** True when img2img strength goes into `setTimesteps` (LCM) instead of skipping the first steps. */
  readonly strengthInTimesteps?: boolean;
  setTimesteps(numInferenceSteps: number, options?: SetTimestepsOptions): void;
  /** img2img: start the loop at this index into `timesteps` (Euler/DPM index their sigmas by step). */
  setBeginIndex(index: number): void;
  scaleModelInput(sample: Float32Array, timestep: number): Float32Array;
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise?: NoiseSource): StepResult;
  /** Noise a clean sample to the level of `timestep` (img2img start point). */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array;
}
