/**
 * The Stable Diffusion img2img engine over user-supplied ONNX model packs, plus feed-forward
 * (AnimeGAN-style) packs. Node-only (files, onnxruntime-node). Entry points:
 * - `createDiffusionStylizer` / `createImageToImageStylizer`: the engines as pipeline Stylizers;
 * - `verifyPack`, `listPacks`: `anime-me models verify|list`;
 * - `openPack` + `runImg2Img`: the pipeline itself, for callers that want timings and control;
 * - `writeTinyPack`, `writeTinyImageToImagePack`: generated test packs (no download), with a
 *   TAESD-shaped tiny autoencoder in `taesd/`;
 * - `resolveDevice`: cpu / cuda / auto against what this onnxruntime-node can run.
 * A pack opened with `tinyVae` encodes and decodes through the tiny autoencoder (its own config's
 * scaling factor) instead of the pack's VAE.
 */
export {
  createDiffusionStylizer,
  createImageToImageStylizer,
  type ImageToImageStylizer,
  DIFFUSION_DEFAULTS,
  type DiffusionStylizer,
  type DiffusionStylizerOptions,
  type ImageToImageStylizerOptions,
} from './diffusion-stylizer.js';
export { CUDA_ENABLE_HINT, cudaAvailable, resolveDevice, type DeviceChoice } from './device.js';
export { runImg2Img, type Img2ImgOptions, type Img2ImgProgress, type Img2ImgResult, type Img2ImgTimings } from './img2img.js';
export { loadPromptTokenizer, type PromptTokenizer, type PromptChunk } from './text-encoder.js';
export {
  listPacks,
  openImageToImagePack,
  openPack,
  packKind,
  packTinyVaeDir,
  readAutoencoderFolder,
  verifyPack,
  formatProblem,
  IMAGE_TO_IMAGE_MANIFEST,
  MODEL_INDEX,
  type ImageToImageManifest,
  type ImageToImagePack,
  type PackKind,
  type PackListing,
  type PackOptions,
  type PackAutoencoder,
  type PackProblem,
  type StableDiffusionPack,
} from './pack/index.js';
export { SAMPLER_NAMES, SCHEDULER_NAMES, resolveSchedulerName } from './schedulers/index.js';
export {
  writeTinyImageToImagePack,
  writeTinyPack,
  type TinyPackOptions,
  type TinyPackInfo,
  type TinyImageToImagePackOptions,
} from './tiny-pack/index.js';
