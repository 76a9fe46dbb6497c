/**
 * Scheduler factory: our names, A1111 sampler names and their aliases, mapped onto the five
 * implemented algorithms. The pack's `scheduler_config.json` supplies the noise schedule; keys it
 * lacks take the chosen scheduler's diffusers defaults (as diffusers' from_config does).
 */
import { AnimeMeError } from '../../errors.js';
import { createDdimScheduler, type DdimOptions } from './ddim.js';
import { createDpmpp2mScheduler } from './dpmpp-2m.js';
import { createEulerAncestralScheduler } from './euler-ancestral.js';
import { createEulerScheduler } from './euler.js';
import { createLcmScheduler } from './lcm.js';
import type { Scheduler, SchedulerConfig } from './scheduler.js';

export type { NoiseSource, Scheduler, SchedulerConfig, SetTimestepsOptions, StepResult } from './scheduler.js';
export type { DdimOptions } from './ddim.js';
export { img2imgStartIndex, prepareImg2img, type Img2imgPlan } from './img2img.js';
export { lcmGuidanceEmbedding } from './lcm.js';

export const SCHEDULER_NAMES = ['ddim', 'euler', 'euler-ancestral', 'dpmpp-2m', 'lcm'] as const;
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];

export type SchedulerOptions = DdimOptions;

export interface ResolvedScheduler {
  name: SchedulerName;
  /** Config keys the sampler name implies (Karras sigmas, the SDE variant, spacing). */
  overrides: Partial<SchedulerConfig>;
}

const KARRAS = { use_karras_sigmas: true } as const;
const SDE = { algorithm_type: 'sde-dpmsolver++' } as const;

/** Lower-cased, space-collapsed sampler names (ours, A1111 labels and A1111 aliases). */
const ALIASES: Record<string, ResolvedScheduler> = {
  ddim: { name: 'ddim', overrides: {} },
  euler: { name: 'euler', overrides: {} },
  k_euler: { name: 'euler', overrides: {} },
  'euler karras': { name: 'euler', overrides: KARRAS },
  'euler-ancestral': { name: 'euler-ancestral', overrides: {} },
  'euler a': { name: 'euler-ancestral', overrides: {} },
  k_euler_a: { name: 'euler-ancestral', overrides: {} },
  k_euler_ancestral: { name: 'euler-ancestral', overrides: {} },
  'dpmpp-2m': { name: 'dpmpp-2m', overrides: {} },
  'dpmpp-2m-karras': { name: 'dpmpp-2m', overrides: KARRAS },
  'dpm++ 2m': { name: 'dpmpp-2m', overrides: {} },
  k_dpmpp_2m: { name: 'dpmpp-2m', overrides: {} },
  'dpm++ 2m karras': { name: 'dpmpp-2m', overrides: KARRAS },
  k_dpmpp_2m_ka: { name: 'dpmpp-2m', overrides: KARRAS },
  'dpmpp-2m-sde': { name: 'dpmpp-2m', overrides: SDE },
  'dpm++ 2m sde': { name: 'dpmpp-2m', overrides: SDE },
  k_dpmpp_2m_sde: { name: 'dpmpp-2m', overrides: SDE },
  'dpmpp-2m-sde-karras': { name: 'dpmpp-2m', overrides: { ...SDE, ...KARRAS } },
  'dpm++ 2m sde karras': { name: 'dpmpp-2m', overrides: { ...SDE, ...KARRAS } },
  k_dpmpp_2m_sde_ka: { name: 'dpmpp-2m', overrides: { ...SDE, ...KARRAS } },
  lcm: { name: 'lcm', overrides: {} },
};

/** A1111 (v1.9+) "Schedule type" values that change the config; "automatic"/"uniform" change nothing. */
const SCHEDULE_TYPES: Record<string, Partial<SchedulerConfig>> = {
  automatic: {},
  uniform: {},
  karras: KARRAS,
  sgm_uniform: { timestep_spacing: 'trailing' },
  simple: { timestep_spacing: 'trailing' },
};

export const SAMPLER_NAMES: readonly string[] = Object.keys(ALIASES);

/**
 * Map a sampler name (ours or A1111's, any case) and an optional A1111 schedule type onto an
 * implemented scheduler. Throws INVALID_ARGUMENT naming the supported samplers otherwise.
 */
export function resolveSchedulerName(sampler: string, scheduleType?: string): ResolvedScheduler {
  const key = typeof sampler === 'string' ? sampler.trim().toLowerCase().replace(/\s+/g, ' ') : '';
  const resolved = ALIASES[key];
  if (!resolved) {
    throw new AnimeMeError(
      'INVALID_ARGUMENT',
      `Unsupported sampler ${JSON.stringify(sampler)}; supported: DDIM, Euler, Euler a, DPM++ 2M, DPM++ 2M Karras, DPM++ 2M SDE, LCM`,
      { details: { parameter: 'sampler' } },
    );
  }
  const overrides = { ...resolved.overrides };
  if (scheduleType !== undefined && scheduleType !== '') {
    const extra = SCHEDULE_TYPES[scheduleType.trim().toLowerCase().replace(/[\s-]+/g, '_')];
    if (!extra) {
      throw new AnimeMeError(
        'INVALID_ARGUMENT',
        `Unsupported schedule type ${JSON.stringify(scheduleType)}; supported: ${Object.keys(SCHEDULE_TYPES).join(', ')}`,
        { details: { parameter: 'scheduler' } },
      );
    }
    Object.assign(overrides, extra);
  }
  return { name: resolved.name, overrides };
}

/**
 * Create a fresh scheduler for one job. `name` may be any name `resolveSchedulerName` accepts;
 * the name's implied settings override the pack config (e.g. "DPM++ 2M Karras" turns on Karras σ).
 */
export function createScheduler(name: SchedulerName | string, config: Partial<SchedulerConfig>, options: SchedulerOptions = {}): Scheduler {
  const resolved = resolveSchedulerName(name);
  const merged = { ...config, ...resolved.overrides };
  switch (resolved.name) {
    case 'ddim':
      return createDdimScheduler(merged, options);
    case 'euler':
      return createEulerScheduler(merged);
    case 'euler-ancestral':
      return createEulerAncestralScheduler(merged);
    case 'dpmpp-2m':
      return createDpmpp2mScheduler(merged);
    case 'lcm':
      return createLcmScheduler(merged);
  }
}
