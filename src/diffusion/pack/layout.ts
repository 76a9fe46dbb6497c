/**
 * What a model pack looks like on disk. Two kinds:
 * - a diffusers ONNX Stable Diffusion folder (legacy `convert_stable_diffusion_checkpoint_to_onnx.py`
 *   or `optimum-cli export onnx`), recognised by `model_index.json`;
 * - a feed-forward image-to-image model (AnimeGAN-style), recognised by anime-me's manifest.
 * Paths and names only: no file reading here.
 */

export const MODEL_INDEX = 'model_index.json';
export const SCHEDULER_CONFIG = 'scheduler/scheduler_config.json';

/** The four networks, by their folder names (both exporters use these folders). */
export const NETWORKS = ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'] as const;
export type NetworkName = (typeof NETWORKS)[number];

export const MODEL_FILE = 'model.onnx';
export const NETWORK_CONFIG = 'config.json';

export const TOKENIZER_FILES = {
  vocab: 'tokenizer/vocab.json',
  merges: 'tokenizer/merges.txt',
  specialTokens: 'tokenizer/special_tokens_map.json',
  config: 'tokenizer/tokenizer_config.json',
} as const;

export const IMAGE_TO_IMAGE_MANIFEST = 'anime-me.json';
export const IMAGE_TO_IMAGE_FORMAT = 'anime-me/image-to-image@1';

/** The manifest that makes a folder with one ONNX generator a pack. */
export interface ImageToImageManifest {
  format: typeof IMAGE_TO_IMAGE_FORMAT;
  name: string;
  /** Model file, relative to the manifest. */
  model: string;
  /** Input and output tensor names. */
  input: string;
  output: string;
  /** 'nchw' ([1, 3, H, W], PyTorch exports) or 'nhwc' ([1, H, W, 3], TensorFlow exports). */
  layout: 'nchw' | 'nhwc';
  /** Pixel range at both ends: [−1, 1] for AnimeGAN, [0, 1] for others. */
  range: [number, number];
  /** Input sides must be multiples of this (the generator's total stride). */
  sizeMultiple: number;
  description?: string;
  license?: string;
}

/** 'autoencoder': a standalone TAESD (or VAE) folder, for `--vae`. */
export type PackKind = 'stable-diffusion' | 'image-to-image' | 'autoencoder';

/** How to make a Stable Diffusion pack, for "missing file" messages. */
export const EXPORT_HINT =
  'export one with `optimum-cli export onnx --model <hub-id> <dir>` or diffusers\' scripts/convert_stable_diffusion_checkpoint_to_onnx.py, ' +
  'or generate a test pack with `npm run tiny-pack -- <dir>`';

/**
 * An alternative autoencoder (TAESD, or another KL VAE) is a folder in the same layout as a pack's
 * own VAE: an encoder and a decoder folder, each with model.onnx and, ideally, its config.json.
 * diffusers/optimum name them vae_encoder and vae_decoder; community TAESD exports often use
 * encoder and decoder. Inside a pack, the tiny autoencoder lives in TINY_VAE_DIR.
 */
export const TINY_VAE_DIR = 'taesd';
export const AUTOENCODER_PARTS = {
  encoder: ['vae_encoder', 'encoder'],
  decoder: ['vae_decoder', 'decoder'],
} as const;
