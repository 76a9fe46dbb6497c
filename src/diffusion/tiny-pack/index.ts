/**
 * Tiny model packs, generated: a diffusers-ONNX Stable Diffusion folder (legacy or optimum layout)
 * and an AnimeGAN-style feed-forward image-to-image pack. The networks are small and seeded but
 * have the real tensor signatures, so the whole engine (pack loading, verification, img2img) runs
 * for real without any model download. `size: 'bench'` makes a UNet sized like a small real one
 * (64–320 channels) for timing the pipeline against its UNet.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalidParameter, expectOneOf, is } from '../../validate.js';
import { IMAGE_TO_IMAGE_MANIFEST, IMAGE_TO_IMAGE_FORMAT, TINY_VAE_DIR, type ImageToImageManifest } from '../pack/layout.js';
import type { TinyPackDtype } from './layers.js';
import {
  buildImageToImage,
  buildTextEncoder,
  buildTinyVaeDecoder,
  buildTinyVaeEncoder,
  buildUnet,
  buildVaeDecoder,
  buildVaeEncoder,
  type TinyNetworkSpec,
  type TinyPackVariant,
} from './networks.js';
import { createTinyTokenizerFiles, specialTokensMap, tokenizerConfig } from './tokenizer-files.js';

export type { TinyPackDtype } from './layers.js';
export type { TinyPackVariant } from './networks.js';
export type TinyPackSize = 'tiny' | 'bench';
export type TinyPackPrediction = 'epsilon' | 'v_prediction';

export const TINY_PACK_VARIANTS = ['legacy', 'optimum'] as const;
export const TINY_PACK_SIZES = ['tiny', 'bench'] as const;
export const TINY_PACK_DTYPES = ['fp32', 'fp16'] as const;
export const TINY_PACK_PREDICTIONS = ['epsilon', 'v_prediction'] as const;

export interface TinyPackOptions {
  /** 'legacy' (diffusers' convert script: int32 ids, [B] float timestep, latent_sample, no network
   * configs) or 'optimum' (int64 ids, scalar int64 timestep, latent_parameters, config.json per
   * network). Default 'optimum'. */
  variant?: TinyPackVariant;
  /** Scheduler prediction type. Default 'epsilon'. */
  prediction?: TinyPackPrediction;
  /** Weight and I/O precision. Default 'fp32'. */
  dtype?: TinyPackDtype;
  /** 'tiny' (tests: milliseconds per step) or 'bench' (a small real UNet). Default 'tiny'. */
  size?: TinyPackSize;
  /** Weight seed. Default 1. */
  seed?: number;
  /**
   * Export with static shapes (fixed batch and image size, in pixels; multiples of 8), as exports
   * for TensorRT or DirectML are. Default: dynamic axes.
   */
  staticShape?: { batch: number; height: number; width: number };
  /**
   * Also write a tiny autoencoder (TAESD-shaped, `AutoencoderTiny` config with scaling_factor 1.0)
   * in `taesd/vae_encoder` + `taesd/vae_decoder`. Default true.
   */
  tinyVae?: boolean;
}

/** SD 1.x/2.x's VAE latent scaling factor, as the generated pack's VAE config states it. */
const SD_VAE_SCALING_FACTOR = 0.18215;
/** AutoencoderTiny's: its latents come out already scaled. */
const TINY_VAE_SCALING_FACTOR = 1.0;

/** SD1.5's scheduler config (diffusers `single_file_utils`), as a pack ships it. */
export function sd15SchedulerConfig(prediction: TinyPackPrediction = 'epsilon'): Record<string, unknown> {
  return {
    _class_name: 'PNDMScheduler',
    _diffusers_version: '0.30.0',
    beta_end: 0.012,
    beta_schedule: 'scaled_linear',
    beta_start: 0.00085,
    clip_sample: false,
    num_train_timesteps: 1000,
    prediction_type: prediction,
    set_alpha_to_one: false,
    skip_prk_steps: true,
    steps_offset: 1,
    timestep_spacing: 'leading',
    trained_betas: null,
  };
}

type CheckedOptions = Required<Omit<TinyPackOptions, 'staticShape'>> & Pick<TinyPackOptions, 'staticShape'>;

function networkSpec(options: CheckedOptions, vocabSize: number): TinyNetworkSpec {
  const common = {
    variant: options.variant,
    dtype: options.dtype,
    seed: options.seed,
    vocabSize,
    maxLength: 77,
    latentChannels: 4,
    ...(options.staticShape ? { staticShape: options.staticShape } : {}),
  };
  return options.size === 'bench'
    ? { ...common, hiddenSize: 768, unetChannels: [64, 128, 320], attentionLevels: [1, 2], vaeChannels: 32 }
    : { ...common, hiddenSize: 32, unetChannels: [16, 32], attentionLevels: [1], vaeChannels: 8 };
}

function checkStaticShape(value: unknown): NonNullable<TinyPackOptions['staticShape']> {
  const shape = value as NonNullable<TinyPackOptions['staticShape']>;
  const ok =
    typeof value === 'object' && value !== null &&
    [shape.batch, shape.height, shape.width].every((v) => is.integer(v) && v > 0) &&
    shape.height % 8 === 0 && shape.width % 8 === 0;
  if (!ok) throw invalidParameter('{ batch, height, width } with sides that are multiples of 8', 'staticShape', value);
  return { batch: shape.batch, height: shape.height, width: shape.width };
}

function checkOptions(options: TinyPackOptions): CheckedOptions {
  if (!is.plainObject(options)) throw invalidParameter('an options object', 'options', options);
  if (options.seed !== undefined && !(is.integer(options.seed) && options.seed >= 0)) throw invalidParameter('a non-negative integer', 'seed', options.seed);
  if (options.tinyVae !== undefined && !is.bool(options.tinyVae)) throw invalidParameter('a boolean', 'tinyVae', options.tinyVae);
  const fixed = options.staticShape === undefined ? undefined : checkStaticShape(options.staticShape);
  return {
    ...(fixed ? { staticShape: fixed } : {}),
    variant: options.variant === undefined ? 'optimum' : expectOneOf(options.variant, 'variant', TINY_PACK_VARIANTS),
    prediction: options.prediction === undefined ? 'epsilon' : expectOneOf(options.prediction, 'prediction', TINY_PACK_PREDICTIONS),
    dtype: options.dtype === undefined ? 'fp32' : expectOneOf(options.dtype, 'dtype', TINY_PACK_DTYPES),
    size: options.size === undefined ? 'tiny' : expectOneOf(options.size, 'size', TINY_PACK_SIZES),
    seed: options.seed ?? 1,
    tinyVae: options.tinyVae ?? true,
  };
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

function writeFile(dir: string, relative: string, data: Uint8Array | string): void {
  const path = join(dir, relative);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, data);
}

export interface TinyPackInfo {
  dir: string;
  variant: TinyPackVariant;
  dtype: TinyPackDtype;
  size: TinyPackSize;
  prediction: TinyPackPrediction;
  hiddenSize: number;
  /** Whether taesd/ was written. */
  tinyVae: boolean;
  /** Bytes written per network. */
  bytes: Record<string, number>;
}

/** Write a complete Stable Diffusion ONNX pack into `dir` (created if needed; files overwritten). */
export function writeTinyPack(dir: string, options: TinyPackOptions = {}): TinyPackInfo {
  if (!is.string(dir) || dir.length === 0) throw invalidParameter('a directory path', 'dir', dir);
  const o = checkOptions(options);
  const tokenizer = createTinyTokenizerFiles();
  const spec = networkSpec(o, tokenizer.vocabSize);
  const torchDtype = o.dtype === 'fp16' ? 'float16' : 'float32';
  mkdirSync(dir, { recursive: true });

  const legacy = o.variant === 'legacy';
  const onnx = ['diffusers', 'OnnxRuntimeModel'];
  writeJson(join(dir, 'model_index.json'), {
    _class_name: legacy ? 'OnnxStableDiffusionPipeline' : 'StableDiffusionPipeline',
    _diffusers_version: '0.30.0',
    feature_extractor: [null, null],
    requires_safety_checker: false,
    safety_checker: [null, null],
    scheduler: ['diffusers', 'PNDMScheduler'],
    text_encoder: legacy ? onnx : ['transformers', 'CLIPTextModel'],
    tokenizer: ['transformers', 'CLIPTokenizer'],
    unet: legacy ? onnx : ['diffusers', 'UNet2DConditionModel'],
    ...(legacy ? { vae_decoder: onnx, vae_encoder: onnx } : { vae: ['diffusers', 'AutoencoderKL'] }),
  });

  writeFile(dir, 'scheduler/scheduler_config.json', `${JSON.stringify(sd15SchedulerConfig(o.prediction), null, 2)}\n`);
  writeFile(dir, 'tokenizer/vocab.json', JSON.stringify(tokenizer.vocab));
  writeFile(dir, 'tokenizer/merges.txt', tokenizer.merges);
  writeFile(dir, 'tokenizer/special_tokens_map.json', `${JSON.stringify(specialTokensMap(), null, 2)}\n`);
  writeFile(dir, 'tokenizer/tokenizer_config.json', `${JSON.stringify(tokenizerConfig(spec.maxLength), null, 2)}\n`);

  const networks: Record<string, Uint8Array> = {
    text_encoder: buildTextEncoder(spec),
    unet: buildUnet(spec),
    vae_encoder: buildVaeEncoder(spec),
    vae_decoder: buildVaeDecoder(spec),
  };
  const bytes: Record<string, number> = {};
  for (const [name, model] of Object.entries(networks)) {
    writeFile(dir, `${name}/model.onnx`, model);
    bytes[name] = model.byteLength;
  }

  // The legacy exporter writes no per-network config: loaders must fall back (scaling factor).
  if (!legacy) {
    const vaeBlocks = [spec.vaeChannels, spec.vaeChannels, spec.vaeChannels, spec.vaeChannels];
    const vaeConfig = {
      _class_name: 'AutoencoderKL',
      _diffusers_version: '0.30.0',
      act_fn: 'silu',
      block_out_channels: vaeBlocks,
      in_channels: 3,
      latent_channels: spec.latentChannels,
      layers_per_block: 1,
      out_channels: 3,
      sample_size: o.size === 'bench' ? 512 : 64,
      scaling_factor: SD_VAE_SCALING_FACTOR,
    };
    writeJson(join(dir, 'vae_encoder/config.json'), vaeConfig);
    writeJson(join(dir, 'vae_decoder/config.json'), vaeConfig);
    writeJson(join(dir, 'unet/config.json'), {
      _class_name: 'UNet2DConditionModel',
      _diffusers_version: '0.30.0',
      block_out_channels: spec.unetChannels,
      cross_attention_dim: spec.hiddenSize,
      in_channels: spec.latentChannels,
      layers_per_block: 1,
      out_channels: spec.latentChannels,
      sample_size: o.size === 'bench' ? 64 : 8,
      time_cond_proj_dim: null,
    });
    writeJson(join(dir, 'text_encoder/config.json'), {
      architectures: ['CLIPTextModel'],
      bos_token_id: tokenizer.bosId,
      eos_token_id: tokenizer.eosId,
      hidden_act: 'quick_gelu',
      hidden_size: spec.hiddenSize,
      intermediate_size: 2 * spec.hiddenSize,
      max_position_embeddings: spec.maxLength,
      model_type: 'clip_text_model',
      num_attention_heads: 1,
      num_hidden_layers: 1,
      pad_token_id: 1,
      projection_dim: spec.hiddenSize,
      torch_dtype: torchDtype,
      vocab_size: tokenizer.vocabSize,
    });
  }
  if (o.tinyVae) {
    // diffusers' AutoencoderTiny config (madebyollin/taesd), with this pack's sizes. Written in both
    // layouts' manner: the config next to each network, as optimum does.
    const tinyConfig = {
      _class_name: 'AutoencoderTiny',
      _diffusers_version: '0.30.0',
      act_fn: 'relu',
      decoder_block_out_channels: [spec.vaeChannels, spec.vaeChannels, spec.vaeChannels, spec.vaeChannels],
      encoder_block_out_channels: [spec.vaeChannels, spec.vaeChannels, spec.vaeChannels, spec.vaeChannels],
      force_upcast: false,
      in_channels: 3,
      latent_channels: spec.latentChannels,
      latent_magnitude: 3,
      latent_shift: 0.5,
      num_decoder_blocks: [3, 3, 3, 1],
      num_encoder_blocks: [1, 3, 3, 3],
      out_channels: 3,
      scaling_factor: TINY_VAE_SCALING_FACTOR,
      upsample_fn: 'nearest',
      upsampling_scaling_factor: 2,
    };
    const parts = { vae_encoder: buildTinyVaeEncoder(spec, SD_VAE_SCALING_FACTOR), vae_decoder: buildTinyVaeDecoder(spec, SD_VAE_SCALING_FACTOR) };
    for (const [part, model] of Object.entries(parts)) {
      writeFile(dir, `${TINY_VAE_DIR}/${part}/model.onnx`, model);
      writeJson(join(dir, TINY_VAE_DIR, part, 'config.json'), tinyConfig);
      bytes[`${TINY_VAE_DIR}/${part}`] = model.byteLength;
    }
  }
  return { dir, variant: o.variant, dtype: o.dtype, size: o.size, prediction: o.prediction, hiddenSize: spec.hiddenSize, tinyVae: o.tinyVae, bytes };
}

export interface TinyImageToImagePackOptions {
  dtype?: TinyPackDtype;
  seed?: number;
  /** Conv width. Default 8. */
  channels?: number;
}

/** Write an AnimeGAN-style feed-forward pack: `model.onnx` + the anime-me manifest. */
export function writeTinyImageToImagePack(dir: string, options: TinyImageToImagePackOptions = {}): ImageToImageManifest {
  if (!is.string(dir) || dir.length === 0) throw invalidParameter('a directory path', 'dir', dir);
  const dtype = options.dtype === undefined ? 'fp32' : expectOneOf(options.dtype, 'dtype', TINY_PACK_DTYPES);
  const seed = options.seed ?? 1;
  const channels = options.channels ?? 8;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), buildImageToImage(dtype, seed, channels));
  const manifest: ImageToImageManifest = {
    format: IMAGE_TO_IMAGE_FORMAT,
    name: 'tiny-animegan',
    model: 'model.onnx',
    input: 'input',
    output: 'output',
    layout: 'nchw',
    range: [-1, 1],
    sizeMultiple: 2,
    description: 'Generated test pack: a tiny seeded AnimeGAN-shaped generator (not a trained style).',
  };
  writeJson(join(dir, IMAGE_TO_IMAGE_MANIFEST), manifest);
  return manifest;
}
