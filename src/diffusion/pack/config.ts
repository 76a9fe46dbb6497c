/**
 * Reading a pack's JSON: model_index.json, the scheduler config and the per-network config.json
 * files. Every reader returns its value and any problems instead of throwing, so verification can
 * report all of them at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SchedulerConfig } from '../schedulers/scheduler.js';
import { EXPORT_HINT, IMAGE_TO_IMAGE_MANIFEST, MODEL_INDEX, NETWORK_CONFIG, SCHEDULER_CONFIG, type NetworkName } from './layout.js';
import { invalid, missing, warning, type PackProblem } from './problems.js';

/** SD1.x/2.x's latent scaling factor (AutoencoderKL's config default). Used only when a pack has no VAE config. */
export const DEFAULT_VAE_SCALING_FACTOR = 0.18215;
/** SD's VAE downsamples ×8 (four blocks); used when no VAE config says otherwise. */
export const DEFAULT_VAE_SPATIAL_SCALE = 8;

export interface JsonRead<T> {
  value?: T;
  problems: PackProblem[];
}

/** Read a JSON object file. `required` decides whether absence is an error. */
export function readJsonObject(path: string, component: string, required: boolean, fix?: string): JsonRead<Record<string, unknown>> {
  if (!existsSync(path)) {
    return { problems: required ? [missing(component, path, `${component} file not found: ${path}`, fix)] : [] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return { problems: [invalid(component, path, `${path} is not valid JSON (${(error as Error).message})`, fix)] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { problems: [invalid(component, path, `${path} must hold a JSON object`, fix)] };
  }
  return { value: parsed as Record<string, unknown>, problems: [] };
}

export function readModelIndex(dir: string): JsonRead<Record<string, unknown>> {
  return readJsonObject(
    join(dir, MODEL_INDEX),
    'model_index',
    true,
    `point --model at a diffusers ONNX folder (the one holding ${MODEL_INDEX}) or a feed-forward pack (holding ${IMAGE_TO_IMAGE_MANIFEST}); ${EXPORT_HINT}`,
  );
}

const REQUIRED_SCHEDULER_KEYS = ['num_train_timesteps', 'beta_start', 'beta_end', 'beta_schedule'] as const;

/**
 * The scheduler config as the pack ships it. The betas are required: diffusers' class defaults
 * (linear 1e-4..0.02) are not SD's, so filling them in silently would give wrong images.
 */
export function readSchedulerConfig(dir: string): JsonRead<Partial<SchedulerConfig>> {
  const path = join(dir, SCHEDULER_CONFIG);
  const read = readJsonObject(path, 'scheduler', true, `every diffusers pack has ${SCHEDULER_CONFIG}; copy it from the model's original repository`);
  if (!read.value) return read as JsonRead<Partial<SchedulerConfig>>;
  const absent = REQUIRED_SCHEDULER_KEYS.filter((key) => read.value![key] === undefined || read.value![key] === null);
  if (absent.length > 0) {
    return { problems: [invalid('scheduler', path, `${path} lacks ${absent.join(', ')}`, 'copy scheduler_config.json from the model\'s original repository')] };
  }
  return { value: read.value as Partial<SchedulerConfig>, problems: [] };
}

/** A network's config.json (optimum writes one per network; the legacy exporter none). */
export function readNetworkConfig(dir: string, network: NetworkName): JsonRead<Record<string, unknown>> {
  return readJsonObject(join(dir, network, NETWORK_CONFIG), network, false);
}

export interface VaeScaling {
  /** Latents = VAE mean × scalingFactor; decode divides by it. */
  scalingFactor: number;
  /** Image pixels per latent pixel along each axis. */
  spatialScale: number;
  problems: PackProblem[];
}

/**
 * The VAE's latent scaling factor and spatial scale from `vae_decoder/config.json` or
 * `vae_encoder/config.json`. Note the two fallbacks differ: the spatial scale falls back to
 * 2^(len(block_out_channels) − 1), while a missing `scaling_factor` can only fall back to
 * AutoencoderKL's default 0.18215 (right for SD1.x/2.x, wrong for SDXL's 0.13025), with a warning.
 */
export function readVaeScaling(dir: string): VaeScaling {
  const problems: PackProblem[] = [];
  let scalingFactor: number | undefined;
  let spatialScale: number | undefined;
  for (const network of ['vae_decoder', 'vae_encoder'] as const) {
    const read = readNetworkConfig(dir, network);
    problems.push(...read.problems);
    const config = read.value;
    if (!config) continue;
    const path = join(dir, network, NETWORK_CONFIG);
    if (scalingFactor === undefined && config.scaling_factor !== undefined && config.scaling_factor !== null) {
      if (typeof config.scaling_factor === 'number' && Number.isFinite(config.scaling_factor) && config.scaling_factor > 0) {
        scalingFactor = config.scaling_factor;
      } else {
        problems.push(invalid(network, path, `${path} has scaling_factor ${JSON.stringify(config.scaling_factor)}; expected a positive number such as 0.18215`));
      }
    }
    const blocks = config.block_out_channels;
    if (spatialScale === undefined && Array.isArray(blocks) && blocks.length > 0) spatialScale = 2 ** (blocks.length - 1);
  }
  if (scalingFactor === undefined) {
    problems.push(
      warning(
        'vae_decoder',
        join(dir, 'vae_decoder', NETWORK_CONFIG),
        `no VAE config gives scaling_factor; using SD1.x/2.x's ${DEFAULT_VAE_SCALING_FACTOR} (add vae_decoder/config.json with "scaling_factor" for other model families)`,
      ),
    );
  }
  return { scalingFactor: scalingFactor ?? DEFAULT_VAE_SCALING_FACTOR, spatialScale: spatialScale ?? DEFAULT_VAE_SPATIAL_SCALE, problems };
}
