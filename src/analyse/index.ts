// The analyse stage's public surface. analyser.ts is the Node edge (it loads human through human-loader.ts);
// skin-tone.ts, face-regions.ts, geometry.ts and person-mask.ts are portable.
export { createAnalyser, OBJECT_DETECTION_MODES, ageBucketOf } from './analyser.js';
export type { AnalyserOptions, ObjectDetectionMode } from './analyser.js';
export { itaFromLab, labToSrgb, skinToneFromSamples, srgbToLab } from './skin-tone.js';
export { landmarksFromMesh } from './face-regions.js';
