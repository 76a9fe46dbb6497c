/**
 * anime-me's public library surface. Only what is exported here is public; everything else may change.
 */

// Errors and validation
export { AnimeMeError, ERROR_CODES, isAnimeMeError } from './errors.js';
export type { ErrorCode } from './errors.js';

// Pixel containers and stage contracts
export type { RgbImage, Mask, Orientation } from './core/raster.js';
export { orientationOf } from './core/raster.js';
export type {
  Analyser,
  SceneAnalysis,
  PersonAnalysis,
  FaceAnalysis,
  FaceLandmarks,
  SkinTone,
  SceneType,
  Stylizer,
  StylizeRequest,
  Upscaler,
  ProgressEvent,
  StageName,
  EmbeddedStyle,
} from './core/types.js';
export { EMBEDDED_STYLES, SCENE_TYPES, STAGE_NAMES } from './core/types.js';

// The pipeline (portable) and its Node wiring
export { createPipeline } from './pipeline/pipeline.js';
export type { Pipeline, PipelineComponents, PipelineResult, PipelineRunContext } from './pipeline/pipeline.js';
export type { RunOptions, AnalysisOverrides } from './pipeline/options.js';
export { DEFAULT_SIZE, MAX_SIZE, MIN_SIZE } from './pipeline/options.js';
export type { ImageCodec, OutputFormat } from './pipeline/codec.js';
export { allowAll } from './pipeline/moderation.js';
export type { ModerationContext, ModerationHook, ModerationPhase, ModerationVerdict } from './pipeline/moderation.js';
export { summariseAnalysis } from './pipeline/summary.js';
export { createAnimeMe } from './node/create-anime-me.js';
export type { AnimeMeOptions } from './node/create-anime-me.js';
export { createSharpCodec } from './node/sharp-codec.js';

// Stages, usable alone
export { decodeImage, encodeImage, resizeImage, DEFAULT_MAX_BYTES, DEFAULT_MAX_DIMENSION, DEFAULT_MAX_PIXELS } from './image/index.js';
export type { DecodeOptions, DecodedImage, EncodeOptions } from './image/index.js';
export { createAnalyser } from './analyse/index.js';
export type { AnalyserOptions } from './analyse/index.js';
export { describeScene, listStyleNames, STYLE_PRESETS } from './describe/index.js';
export type { DescribeOptions, SceneDescription, StylePreset } from './describe/index.js';
export { applyAnalysisOverrides } from './describe/overrides.js';
export { createEmbeddedStylizer } from './stylize/index.js';
export { createAnime4kUpscaler } from './upscale/index.js';
export { composeShare } from './compose/index.js';
export type { ComposeOptions, TextRenderer } from './compose/index.js';

// Interop: A1111 `parameters` text in PNGs
export { formatInfotext, parseInfotext, readInfotext, insertPngTextChunks, readPngTextChunks } from './core/png-text.js';
export type { GenerationParameters } from './core/png-text.js';
