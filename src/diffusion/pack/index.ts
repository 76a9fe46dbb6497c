/** Model packs: layout, config reading, loading with shared sessions, verification and listing. */
export * from './layout.js';
export { DEFAULT_VAE_SCALING_FACTOR, DEFAULT_VAE_SPATIAL_SCALE, readVaeScaling } from './config.js';
export { openPack, openPackCount, packExporter, packTinyVaeDir, resolveTinyVaeDir, type PackAutoencoder, type PackOptions, type StableDiffusionPack } from './load.js';
export { openAutoencoder, readAutoencoderFolder, TINY_VAE_DEFAULT_SCALING_FACTOR, type AutoencoderFolder } from './autoencoder.js';
export { verifyPack, listPacks, packKind, type PackListing } from './verify.js';
export { readImageToImageManifest, checkImageToImageSignature, openImageToImagePack, type ImageToImagePack } from './image-to-image.js';
export { formatProblem, throwIfErrors, type PackProblem } from './problems.js';
export type { AutoencoderIo, PackIo, FloatType, TimestepType, TextEncoderIo, UnetIo, VaeEncoderIo, VaeDecoderIo } from './signature.js';
export { floatTensor, readFloats, timestepTensor, idsTensor } from './tensors.js';
export { createOnnxRunner, type OnnxRunner, type OnnxTimings, type TimedNetwork } from './runner.js';
