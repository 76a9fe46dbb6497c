/**
 * The deterministic fixtures of diffusers' `tests/schedulers/test_schedulers.py`, rebuilt without
 * torch. diffusers lays k/768 out as (3,8,8,4) and permutes to (4,3,8,8); every scheduler and the
 * dummy model act element-wise, so the flat order is enough as long as sample and noise share it.
 */
const COUNT = 4 * 3 * 8 * 8;

/** `dummy_sample_deter`: k/768 for k = 0..767. */
export function dummySample(): Float32Array {
  return Float32Array.from({ length: COUNT }, (_, k) => k / COUNT);
}

/** `dummy_noise_deter`: the same arange flipped, so element k holds (767 − k)/768. */
export function dummyNoise(): Float32Array {
  return Float32Array.from({ length: COUNT }, (_, k) => (COUNT - 1 - k) / COUNT);
}

/** `dummy_model`: returns x·t/(t+1), computed in float32 like torch. */
export function dummyModel(sample: Float32Array, t: number): Float32Array {
  const f = Math.fround;
  const tf = f(t);
  return sample.map((x) => f(f(x * tf) / f(tf + 1)));
}

export function sumAbs(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += Math.abs(v);
  return s;
}

export function meanAbs(x: Float32Array): number {
  return sumAbs(x) / x.length;
}

export function assertClose(actual: number, expected: number, tolerance: number, what = 'value'): void {
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new Error(`${what}: expected ${expected} ± ${tolerance}, got ${actual}`);
  }
}

/** Element-wise closeness for arrays of reference values. */
export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what = 'values'): void {
  if (actual.length !== expected.length) throw new Error(`${what}: expected length ${expected.length}, got ${actual.length}`);
  for (let i = 0; i < expected.length; i++) assertClose(actual[i], expected[i], tolerance, `${what}[${i}]`);
}

/** SD1.5's scheduler_config.json as the original pack ships it (PNDM, no timestep_spacing key). */
export const SD15_CONFIG = {
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  clip_sample: false,
  trained_betas: null,
} as const;
