// The analyse stage's public surface. analyser.ts is the Node edge (it loads human through human-loader.ts);
// skin-tone.ts, face-regions.ts, geometry.ts, person-mask.ts, gender.ts and scene-type.ts are portable.
export { createAnalyser, MULTI_POSE_MODES, OBJECT_DETECTION_MODES, ageBucketOf } from './analyser.js';
export type { AnalyserOptions, ObjectDetectionMode } from './analyser.js';
export { itaFromLab, labToSrgb, skinToneFromSamples, srgbToLab } from './skin-tone.js';
export { landmarksFromMesh } from './face-regions.js';
export { sceneTypeOf, SCENE_MIN_AGE_CONFIDENCE, SCENE_MIN_GENDER_CONFIDENCE } from './scene-type.js';
export type { SceneTypeOptions } from './scene-type.js';
export { fuseGenderVotes, UNANIMOUS_GENDER_AGES, UNCERTAIN_GENDER_AGES } from './gender.js';
export type { GenderEstimate, GenderVotes } from './gender.js';
export { fuseAge, yearsFromAgeBins } from './age.js';
export type { AgeEstimate } from './age.js';
export type { MultiPoseMode } from './analyser.js';
