export { describeScene, selectPreset, listStyleNames, DEFAULT_MIN_CONFIDENCE } from './describer.js';
export type { DescribeOptions, SceneDescription } from './describer.js';
export { STYLE_PRESETS } from './style-presets.js';
export type { StylePreset } from './style-presets.js';
