/**
 * DPM-Solver++(2M) (Lu et al. 2022), following diffusers' DPMSolverMultistepScheduler with
 * algorithm_type "dpmsolver++" (A1111 "DPM++ 2M", "… Karras" with use_karras_sigmas) or
 * "sde-dpmsolver++" ("DPM++ 2M SDE"). The model output is turned into a data prediction x0, and
 * each step extrapolates from the last two x0 estimates in λ = log(α/σ) time.
 */
import { AnimeMeError } from '../../errors.js';
import {
  alphasCumprod,
  configNumber,
  drawNoise,
  expectSameLength,
  expectStepLeft,
  expectSteps,
  interpolate,
  karrasSigmas,
  linspace,
  requireTimesteps,
  roundHalfEven,
  sigmaToTimestep,
  StepIndex,
  trainingSigmas,
  withDefaults,
} from './common.js';
import type { NoiseSource, Scheduler, SchedulerConfig, StepResult } from './scheduler.js';

const f32 = Math.fround;

/** diffusers DPMSolverMultistepScheduler defaults, used for keys the pack's config leaves out. */
export const DPMPP_2M_DEFAULTS: SchedulerConfig = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: 'linear',
  prediction_type: 'epsilon',
  steps_offset: 0,
  timestep_spacing: 'linspace',
  use_karras_sigmas: false,
  solver_order: 2,
  algorithm_type: 'dpmsolver++',
  solver_type: 'midpoint',
  lower_order_final: true,
  euler_at_final: false,
  final_sigmas_type: 'zero',
  lambda_min_clipped: Number.NEGATIVE_INFINITY,
};

export function createDpmpp2mScheduler(config: Partial<SchedulerConfig>): Scheduler {
  return new Dpmpp2mScheduler(withDefaults(config, DPMPP_2M_DEFAULTS));
}

/** α_t = 1/√(σ²+1) and s_t = σ·α_t: the VP-form coefficients of a σ-space noise level. */
function alphaSigma(sigma: number): [alpha: number, scale: number] {
  const alpha = 1 / Math.sqrt(sigma * sigma + 1);
  return [alpha, sigma * alpha];
}

class Dpmpp2mScheduler implements Scheduler {
  readonly name = 'dpmpp-2m';
  readonly config: Readonly<SchedulerConfig>;
  readonly initNoiseSigma = 1;
  timesteps: Float64Array = new Float64Array(0);
  sigmas: Float64Array = new Float64Array(0);
  private readonly alphas: Float64Array;
  private readonly order: number;
  private readonly sde: boolean;
  private readonly heun: boolean;
  private readonly index = new StepIndex();
  /** The last two x0 predictions, oldest first. */
  private history: (Float32Array | undefined)[] = [undefined, undefined];
  private lowerOrderNums = 0;

  constructor(config: SchedulerConfig) {
    this.config = config;
    this.alphas = alphasCumprod(config);
    // "2M" is second order by name; an order-3 pack config still runs as 2M here.
    this.order = configNumber(config, 'solver_order', 2) <= 1 ? 1 : 2;
    const algorithm = config.algorithm_type;
    if (algorithm !== 'dpmsolver++' && algorithm !== 'sde-dpmsolver++') {
      throw new AnimeMeError('MODEL_INVALID', `Unsupported DPM-Solver algorithm_type ${JSON.stringify(algorithm)}; supported: dpmsolver++, sde-dpmsolver++`);
    }
    this.sde = algorithm === 'sde-dpmsolver++';
    if (config.solver_type !== 'midpoint' && config.solver_type !== 'heun') {
      throw new AnimeMeError('MODEL_INVALID', `Unsupported DPM-Solver solver_type ${JSON.stringify(config.solver_type)}; supported: midpoint, heun`);
    }
    this.heun = config.solver_type === 'heun';
    if (config.final_sigmas_type !== 'zero' && config.final_sigmas_type !== 'sigma_min') {
      throw new AnimeMeError('MODEL_INVALID', `Unsupported final_sigmas_type ${JSON.stringify(config.final_sigmas_type)}; supported: zero, sigma_min`);
    }
  }

  setTimesteps(numInferenceSteps: number): void {
    const cfg = this.config;
    const n = cfg.num_train_timesteps;
    const count = expectSteps(numInferenceSteps, n);
    // Optionally drop the noisiest timesteps whose log-SNR falls below lambda_min_clipped.
    const lambdaMin = configNumber(cfg, 'lambda_min_clipped', Number.NEGATIVE_INFINITY);
    let clipped = 0;
    for (const a of this.alphas) if (0.5 * Math.log(a) - 0.5 * Math.log(1 - a) < lambdaMin) clipped++;
    const last = n - clipped;

    // DPM-Solver spaces count + 1 points and drops the final one, so it never lands on t = 0.
    let timesteps: Float64Array = new Float64Array(count);
    if (cfg.timestep_spacing === 'linspace') {
      const points = linspace(0, last - 1, count + 1);
      for (let i = 0; i < count; i++) timesteps[i] = roundHalfEven(points[count - i]);
    } else if (cfg.timestep_spacing === 'leading') {
      const ratio = Math.floor(last / (count + 1));
      for (let i = 0; i < count; i++) timesteps[i] = (count - i) * ratio + cfg.steps_offset;
    } else {
      const ratio = n / count;
      for (let i = 0; i < count; i++) timesteps[i] = roundHalfEven(last - i * ratio) - 1;
    }

    const table = trainingSigmas(this.alphas);
    const sigmas = new Float64Array(count + 1);
    if (cfg.use_karras_sigmas === true) {
      // Karras ramp between the training extremes; timesteps mapped back through log σ and rounded.
      const ramp = karrasSigmas(table[table.length - 1], table[0], count);
      const logSigmas = table.map((s) => f32(Math.log(s)));
      timesteps = ramp.map((s) => roundHalfEven(sigmaToTimestep(s, logSigmas)));
      for (let i = 0; i < count; i++) sigmas[i] = f32(ramp[i]);
      sigmas[count] = cfg.final_sigmas_type === 'sigma_min' ? f32(ramp[count - 1]) : 0;
    } else {
      for (let i = 0; i < count; i++) sigmas[i] = f32(interpolate(table, timesteps[i]));
      sigmas[count] = cfg.final_sigmas_type === 'sigma_min' ? table[0] : 0;
    }
    this.timesteps = timesteps;
    this.sigmas = sigmas;
    this.history = [undefined, undefined];
    this.lowerOrderNums = 0;
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
    const cfg = this.config;
    const steps = this.timesteps.length;
    const i = this.index.resolve(this.timesteps, timestep);
    expectStepLeft(i, steps, this.name);

    const lowerOrderFinal =
      i === steps - 1 &&
      (cfg.euler_at_final === true || (cfg.lower_order_final === true && steps < 15) || cfg.final_sigmas_type === 'zero');

    const x0 = this.toDataPrediction(modelOutput, sample, this.sigmas[i]);
    this.history = [this.history[1], x0];

    const firstOrder = this.order === 1 || this.lowerOrderNums < 1 || lowerOrderFinal;
    const prev = firstOrder ? this.firstOrderUpdate(x0, sample, i, noise) : this.secondOrderUpdate(sample, i, noise);

    if (this.lowerOrderNums < this.order) this.lowerOrderNums++;
    this.index.advance();
    return { prevSample: prev, predOriginalSample: x0 };
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    expectSameLength(original, noise, 'original and noise');
    requireTimesteps(this.timesteps, this.name);
    const [alpha, scale] = alphaSigma(this.sigmas[this.index.forNoise(this.timesteps, timestep)]);
    const out = new Float32Array(original.length);
    for (let k = 0; k < out.length; k++) out[k] = alpha * original[k] + scale * noise[k];
    return out;
  }

  private toDataPrediction(modelOutput: Float32Array, sample: Float32Array, sigma: number): Float32Array {
    const [alpha, scale] = alphaSigma(sigma);
    const out = new Float32Array(sample.length);
    const prediction = this.config.prediction_type;
    for (let k = 0; k < out.length; k++) {
      const x = sample[k];
      const m = modelOutput[k];
      out[k] = prediction === 'epsilon' ? (x - scale * m) / alpha : prediction === 'v_prediction' ? alpha * x - scale * m : m;
    }
    return out;
  }

  /** DPM-Solver++(1), i.e. DDIM in λ time; exact for the last step to σ = 0, where it returns x0. */
  private firstOrderUpdate(x0: Float32Array, sample: Float32Array, i: number, noise?: NoiseSource): Float32Array {
    const [alphaT, scaleT] = alphaSigma(this.sigmas[i + 1]);
    const [alphaS, scaleS] = alphaSigma(this.sigmas[i]);
    const h = Math.log(alphaT) - Math.log(scaleT) - (Math.log(alphaS) - Math.log(scaleS));
    const out = new Float32Array(sample.length);
    if (this.sde) {
      const decay = Math.exp(-h);
      const a = (scaleT / scaleS) * decay;
      const b = alphaT * (1 - Math.exp(-2 * h));
      const c = scaleT * Math.sqrt(1 - Math.exp(-2 * h));
      const z = c > 0 ? drawNoise(noise, sample.length, this.name) : undefined;
      for (let k = 0; k < out.length; k++) out[k] = a * sample[k] + b * x0[k] + (z ? c * z[k] : 0);
    } else {
      const a = scaleT / scaleS;
      const b = alphaT * (Math.exp(-h) - 1);
      for (let k = 0; k < out.length; k++) out[k] = a * sample[k] - b * x0[k];
    }
    return out;
  }

  /** Multistep second-order update from the last two x0 predictions. */
  private secondOrderUpdate(sample: Float32Array, i: number, noise?: NoiseSource): Float32Array {
    const m0 = this.history[1] as Float32Array;
    const m1 = this.history[0] as Float32Array;
    const [alphaT, scaleT] = alphaSigma(this.sigmas[i + 1]);
    const [alphaS0, scaleS0] = alphaSigma(this.sigmas[i]);
    const [alphaS1, scaleS1] = alphaSigma(this.sigmas[i - 1]);
    const lambdaT = Math.log(alphaT) - Math.log(scaleT);
    const lambdaS0 = Math.log(alphaS0) - Math.log(scaleS0);
    const lambdaS1 = Math.log(alphaS1) - Math.log(scaleS1);
    const h = lambdaT - lambdaS0;
    const r0 = (lambdaS0 - lambdaS1) / h;
    const out = new Float32Array(sample.length);

    let a: number;
    let b0: number;
    let b1: number;
    let c = 0;
    if (this.sde) {
      const e2h = 1 - Math.exp(-2 * h);
      a = (scaleT / scaleS0) * Math.exp(-h);
      b0 = alphaT * e2h;
      b1 = this.heun ? alphaT * (e2h / (-2 * h) + 1) : 0.5 * alphaT * e2h;
      c = scaleT * Math.sqrt(e2h);
    } else {
      const em1 = Math.exp(-h) - 1;
      a = scaleT / scaleS0;
      b0 = -alphaT * em1;
      b1 = this.heun ? alphaT * (em1 / h + 1) : -0.5 * alphaT * em1;
    }
    const z = c > 0 ? drawNoise(noise, sample.length, this.name) : undefined;
    for (let k = 0; k < out.length; k++) {
      const d1 = (m0[k] - m1[k]) / r0;
      out[k] = a * sample[k] + b0 * m0[k] + b1 * d1 + (z ? c * z[k] : 0);
    }
    return out;
  }
}
