/**
 * Shared scheduler maths: the training noise schedule from the config, timestep spacing, σ
 * interpolation and the Karras σ ramp. diffusers keeps these tables in float32, so values are
 * rounded to float32 where diffusers stores them; scalar arithmetic stays in float64.
 */
import { AnimeMeError } from '../../errors.js';
import { expectNumberInRange, expectPositiveInteger, invalidParameter } from '../../validate.js';
import type { SchedulerConfig } from './scheduler.js';

const f32 = Math.fround;

/** Fill every missing key with the scheduler class's own defaults, as diffusers' from_config does. */
export function withDefaults(config: Partial<SchedulerConfig>, defaults: SchedulerConfig): SchedulerConfig {
  const merged: SchedulerConfig = { ...defaults };
  for (const [key, value] of Object.entries(config)) {
    // JSON configs carry `null` for "use the default" (e.g. trained_betas, timestep_spacing in old packs).
    if (value !== undefined && value !== null) merged[key] = value;
  }
  expectPositiveInteger(merged.num_train_timesteps, 'num_train_timesteps', 100_000);
  expectNumberInRange(merged.beta_start, 'beta_start', 0, 1);
  expectNumberInRange(merged.beta_end, 'beta_end', 0, 1);
  if (!Number.isInteger(merged.steps_offset) || merged.steps_offset < 0) {
    throw invalidParameter('non-negative integer', 'steps_offset', merged.steps_offset);
  }
  for (const [key, allowed] of [
    ['beta_schedule', ['linear', 'scaled_linear', 'squaredcos_cap_v2']],
    ['prediction_type', ['epsilon', 'v_prediction', 'sample']],
    ['timestep_spacing', ['leading', 'trailing', 'linspace']],
  ] as const) {
    if (!(allowed as readonly unknown[]).includes(merged[key])) {
      throw new AnimeMeError(
        'MODEL_INVALID',
        `Unsupported scheduler ${key} ${JSON.stringify(merged[key])}; supported: ${allowed.join(', ')}`,
        { details: { parameter: key } },
      );
    }
  }
  // Flags that change the maths and are not implemented: refuse rather than silently diverge.
  for (const key of ['rescale_betas_zero_snr', 'thresholding'] as const) {
    if (merged[key] === true) {
      throw new AnimeMeError('MODEL_INVALID', `Scheduler option ${key} is not supported`, { details: { parameter: key } });
    }
  }
  const trained = merged.trained_betas;
  if (trained !== undefined && (!Array.isArray(trained) || trained.length !== merged.num_train_timesteps || !trained.every((b) => typeof b === 'number' && b > 0 && b < 1))) {
    throw new AnimeMeError('MODEL_INVALID', `trained_betas must list ${merged.num_train_timesteps} numbers in (0, 1)`, {
      details: { parameter: 'trained_betas' },
    });
  }
  return merged;
}

/** Read an optional config number, falling back to `fallback` when absent or null. */
export function configNumber(config: SchedulerConfig, key: string, fallback: number): number {
  const value = config[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) throw invalidParameter('number', key, value);
  return value;
}

/** torch.linspace / np.linspace with the endpoint included. */
export function linspace(start: number, end: number, count: number): Float64Array {
  const out = new Float64Array(count);
  if (count === 1) {
    out[0] = start;
    return out;
  }
  const step = (end - start) / (count - 1);
  for (let i = 0; i < count; i++) out[i] = start + step * i;
  out[count - 1] = end;
  return out;
}

/** β_t (float32 values) from `trained_betas` or the named schedule. */
export function betasFor(config: SchedulerConfig): Float64Array {
  const n = config.num_train_timesteps;
  const betas = new Float64Array(n);
  const trained = config.trained_betas as number[] | undefined;
  if (trained) {
    // Explicit betas win over the named schedule, as in diffusers.
    for (let i = 0; i < n; i++) betas[i] = f32(trained[i]);
    return betas;
  }
  switch (config.beta_schedule) {
    case 'linear': {
      const lin = linspace(config.beta_start, config.beta_end, n);
      for (let i = 0; i < n; i++) betas[i] = f32(lin[i]);
      break;
    }
    case 'scaled_linear': {
      // Linear in √β (float32), squared in float32: SD's schedule.
      const lin = linspace(Math.sqrt(config.beta_start), Math.sqrt(config.beta_end), n);
      for (let i = 0; i < n; i++) {
        const root = f32(lin[i]);
        betas[i] = f32(root * root);
      }
      break;
    }
    case 'squaredcos_cap_v2': {
      // Improved-DDPM cosine ᾱ(t), expressed as betas capped at 0.999.
      const alphaBar = (t: number): number => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
      for (let i = 0; i < n; i++) betas[i] = f32(Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), 0.999));
      break;
    }
  }
  return betas;
}

/** ᾱ_t (float32 values, like diffusers' `alphas_cumprod`). */
export function alphasCumprod(config: SchedulerConfig): Float64Array {
  const betas = betasFor(config);
  // torch's CPU cumprod multiplies float32 inputs into a double accumulator and stores float32.
  // That gives SD1.5 σ_max = 14.6146488; a float32 running product would give 14.6146555, but
  // only the double accumulator reproduces diffusers' Euler add-noise test sum (57062.9297).
  const out = new Float64Array(betas.length);
  let product = 1;
  for (let i = 0; i < betas.length; i++) {
    product *= f32(1 - betas[i]);
    out[i] = f32(product);
  }
  return out;
}

/** σ_t = √((1 − ᾱ_t)/ᾱ_t), float32 like diffusers. Ascending in t. */
export function trainingSigmas(alphas: Float64Array): Float64Array {
  const out = new Float64Array(alphas.length);
  for (let i = 0; i < alphas.length; i++) out[i] = f32(Math.sqrt(f32(f32(1 - alphas[i]) / alphas[i])));
  return out;
}

/** numpy's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Timesteps for `count` steps, high noise first, in diffusers' three spacings (DDIM, Euler, LCM
 * rules; DPM-Solver spaces count + 1 points itself). "linspace" values can be fractional.
 */
export function spacedTimesteps(config: SchedulerConfig, count: number): Float64Array {
  const n = config.num_train_timesteps;
  const out = new Float64Array(count);
  switch (config.timestep_spacing) {
    case 'leading': {
      const ratio = Math.floor(n / count);
      for (let i = 0; i < count; i++) out[i] = (count - 1 - i) * ratio + config.steps_offset;
      break;
    }
    case 'trailing': {
      const ratio = n / count;
      for (let i = 0; i < count; i++) out[i] = roundHalfEven(n - i * ratio) - 1;
      break;
    }
    case 'linspace': {
      const points = linspace(0, n - 1, count);
      for (let i = 0; i < count; i++) out[i] = points[count - 1 - i];
      break;
    }
  }
  return out;
}

/** np.interp over the integer grid 0..len−1 (σ at a fractional timestep). */
export function interpolate(table: Float64Array, t: number): number {
  if (t <= 0) return table[0];
  const last = table.length - 1;
  if (t >= last) return table[last];
  const low = Math.floor(t);
  const w = t - low;
  return table[low] + (table[low + 1] - table[low]) * w;
}

/** Inverse of `interpolate` in log σ: the fractional timestep whose σ is `sigma` (diffusers `_sigma_to_t`). */
export function sigmaToTimestep(sigma: number, logSigmas: Float64Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  // Last grid index whose log σ does not exceed ours, kept one short of the end.
  let low = 0;
  for (let i = 0; i < logSigmas.length; i++) if (logSigma - logSigmas[i] >= 0) low = i;
  low = Math.min(low, logSigmas.length - 2);
  const lo = logSigmas[low];
  const hi = logSigmas[low + 1];
  const w = Math.min(Math.max((lo - logSigma) / (lo - hi), 0), 1);
  return (1 - w) * low + w * (low + 1);
}

/** Karras et al. (2022) ρ = 7 ramp from σ_max down to σ_min, `count` values. */
export function karrasSigmas(sigmaMax: number, sigmaMin: number, count: number): Float64Array {
  const rho = 7;
  const maxInvRho = sigmaMax ** (1 / rho);
  const minInvRho = sigmaMin ** (1 / rho);
  const ramp = linspace(0, 1, count);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = (maxInvRho + ramp[i] * (minInvRho - maxInvRho)) ** rho;
  return out;
}

/** Index of `timestep` in `timesteps`; the second match when repeated (diffusers' img2img rule). */
export function indexForTimestep(timesteps: Float64Array, timestep: number): number {
  const matches: number[] = [];
  for (let i = 0; i < timesteps.length; i++) if (timesteps[i] === timestep) matches.push(i);
  if (matches.length === 0) {
    // The loop passed a timestep from elsewhere: fall back to the nearest one.
    let best = 0;
    for (let i = 1; i < timesteps.length; i++) {
      if (Math.abs(timesteps[i] - timestep) < Math.abs(timesteps[best] - timestep)) best = i;
    }
    return best;
  }
  return matches.length > 1 ? matches[1] : matches[0];
}

export function expectSteps(numInferenceSteps: number, max: number): number {
  return expectPositiveInteger(numInferenceSteps, 'numInferenceSteps', max);
}

export function expectSameLength(a: Float32Array, b: Float32Array, what: string): void {
  if (a.length !== b.length) {
    throw new AnimeMeError('INVALID_ARGUMENT', `Expected ${what} of the same length but got ${a.length} and ${b.length}`);
  }
}

export function requireTimesteps(timesteps: Float64Array, name: string): void {
  if (timesteps.length === 0) {
    throw new AnimeMeError('INVALID_ARGUMENT', `Call setTimesteps on the ${name} scheduler before stepping`);
  }
}

export function drawNoise(noise: { fill(out: Float32Array): void } | undefined, length: number, name: string): Float32Array {
  if (!noise) throw new AnimeMeError('INVALID_ARGUMENT', `The ${name} scheduler needs a noise source for this step`);
  const out = new Float32Array(length);
  noise.fill(out);
  return out;
}

export interface SigmaSchedule {
  /** float32 timesteps, high noise first (fractional for linspace and Karras). */
  timesteps: Float64Array;
  /** float32 σ per timestep plus a final 0: one longer than `timesteps`. */
  sigmas: Float64Array;
}

/**
 * The k-diffusion-style schedule of diffusers' Euler schedulers: σ interpolated at the spaced
 * timesteps (or a Karras ramp between the interpolated ends, with timesteps mapped back through
 * log σ), then a final σ = 0.
 */
export function discreteSigmaSchedule(config: SchedulerConfig, alphas: Float64Array, count: number, karras: boolean): SigmaSchedule {
  const table = trainingSigmas(alphas);
  let timesteps: Float64Array = spacedTimesteps(config, count).map(f32);
  let sigmas: Float64Array = timesteps.map((t) => interpolate(table, t));
  if (karras) {
    sigmas = karrasSigmas(sigmas[0], sigmas[count - 1], count);
    const logSigmas = table.map((s) => f32(Math.log(s)));
    timesteps = sigmas.map((s) => f32(sigmaToTimestep(s, logSigmas)));
  }
  const withZero = new Float64Array(count + 1);
  for (let i = 0; i < count; i++) withZero[i] = f32(sigmas[i]);
  return { timesteps, sigmas: withZero };
}

/** The full training σ table, high noise first, plus 0: what Euler reports before setTimesteps. */
export function trainingSigmaSchedule(alphas: Float64Array): Float64Array {
  const table = trainingSigmas(alphas);
  const out = new Float64Array(table.length + 1);
  for (let i = 0; i < table.length; i++) out[i] = table[table.length - 1 - i];
  return out;
}

/** Euler-family starting noise: σ_max, or √(σ_max² + 1) for "leading" spacing (as diffusers). */
export function eulerInitNoiseSigma(config: SchedulerConfig, sigmas: Float64Array): number {
  let max = 0;
  for (const s of sigmas) max = Math.max(max, s);
  return config.timestep_spacing === 'leading' ? Math.sqrt(max * max + 1) : max;
}

/**
 * Position bookkeeping for schedulers that index σ by step: the index starts at the begin index
 * (img2img) or at the position of the first timestep seen, and advances once per step.
 */
export class StepIndex {
  private current: number | undefined;
  private begin: number | undefined;

  reset(): void {
    this.current = undefined;
    this.begin = undefined;
  }

  setBegin(index: number, length: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= Math.max(length, 1)) {
      throw invalidParameter(`integer between 0 and ${Math.max(length - 1, 0)}`, 'beginIndex', index);
    }
    this.begin = index;
  }

  /** The index for this call, initialising it on the first call. */
  resolve(timesteps: Float64Array, timestep: number): number {
    if (this.current === undefined) this.current = this.begin ?? indexForTimestep(timesteps, timestep);
    return this.current;
  }

  advance(): void {
    if (this.current !== undefined) this.current++;
  }

  /** Where add_noise reads σ: the current step, else the begin index, else the timestep's position. */
  forNoise(timesteps: Float64Array, timestep: number): number {
    return this.current ?? this.begin ?? indexForTimestep(timesteps, timestep);
  }
}

/** Guard against stepping past the end of the schedule (σ[i + 1] would be undefined). */
export function expectStepLeft(index: number, steps: number, name: string): void {
  if (index >= steps) throw new AnimeMeError('INVALID_ARGUMENT', `The ${name} scheduler has already taken all ${steps} steps`);
}
