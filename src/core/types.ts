/**
 * The typed contracts between pipeline stages. Stages depend on these types, never on each other.
 * Coordinates are image pixels of the image the stage received (the working-resolution image).
 */
import type { Mask, RgbImage } from './raster.js';

export interface Point {
  x: number;
  y: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Any estimate carries how sure the analyser is (0..1). */
export interface Estimate<T> {
  value: T;
  confidence: number;
}

export type Gender = 'female' | 'male';
export type AgeBucket = 'child' | 'teen' | 'adult' | 'elderly';
export type Framing = 'face' | 'upper-body' | 'full-body';
export type Expression = 'neutral' | 'happy' | 'sad' | 'angry' | 'surprise' | 'fear' | 'disgust';

/**
 * Named face regions as polygons (closed outlines) in image pixels, derived from the face mesh.
 * Left/right are as seen in the image for an upright face: `leftEye` is the eye nearer x = 0 (the
 * subject's own right eye).
 */
export interface FaceLandmarks {
  faceOval: Point[];
  leftEye: Point[];
  rightEye: Point[];
  leftEyebrow: Point[];
  rightEyebrow: Point[];
  /** Nose tip and a few bridge points. */
  nose: Point[];
  /** Outer lip outline. */
  lips: Point[];
  /** Iris centres when known (else eye centroids). */
  leftIris?: Point;
  rightIris?: Point;
  /** Iris radius in pixels when the iris model ran (mean of both eyes). */
  irisRadius?: number;
  /** Nose base, left to right: image-left nostril wing, point under the tip, image-right wing. */
  noseBase?: Point[];
  /** Inner lip outline (the mouth opening); a thin polygon when the mouth is closed. */
  innerLips?: Point[];
  /** The raw face mesh (468 points, 478 with irises) in MediaPipe FaceMesh order, for finer work. */
  mesh?: Point[];
}

export interface SkinTone {
  /** Individual Typology Angle in degrees (higher = lighter); measured, never changed by the stylizer. */
  ita: number;
  /** Mean CIELAB of face skin pixels (D65). */
  lab: [number, number, number];
  /** Mean sRGB of face skin pixels. */
  rgb: [number, number, number];
  /** True when the face pixels carry no colour (a black-and-white photo): ITA and hue say nothing then. */
  monochrome?: boolean;
}

export interface FaceAnalysis {
  box: Box;
  score: number;
  landmarks?: FaceLandmarks;
  /** Head rotation in radians when known (yaw > 0: turned to the image's right). */
  rotation?: { yaw: number; pitch: number; roll: number };
  /**
   * Identity descriptor (faceres, 1024-d; compare with cosine similarity), on the faces age/gender ran
   * on. Biometric data: it stays in the process (evaluation, likeness checks) and is left out of every
   * summary the CLI and the service print or store.
   */
  embedding?: number[];
}

export interface Keypoint {
  part: string;
  position: Point;
  score: number;
}

export interface PersonAnalysis {
  /** Body box (from pose/objects), or the face box grown to a plausible head-and-shoulders box. */
  box: Box;
  face?: FaceAnalysis;
  gender?: Estimate<Gender>;
  age?: Estimate<{ years: number; bucket: AgeBucket }>;
  expression?: Estimate<Expression>;
  pose?: Keypoint[];
  framing?: Estimate<Framing>;
  orientation?: Estimate<'facing' | 'turned-left' | 'turned-right' | 'back'>;
  handsVisible?: Estimate<boolean>;
  glasses?: Estimate<boolean>;
  skinTone?: SkinTone;
  /** This person's mask over the whole image, when segmentation ran. */
  mask?: Mask;
}

/** How an analysis's person mask was made: a segmentation model, or shapes from face box and pose. */
export type PersonMaskSource = 'segmentation' | 'approximate';

export interface DetectedObject {
  label: string;
  box: Box;
  score: number;
}

export const SCENE_TYPES = [
  'single-male',
  'single-female',
  'single-person',
  'child',
  'elderly',
  'couple',
  'group',
  'pet',
  'person-with-pet',
  'landscape',
  'object',
] as const;
export type SceneType = (typeof SCENE_TYPES)[number];

export interface SceneAnalysis {
  width: number;
  height: number;
  people: PersonAnalysis[];
  peopleCount: number;
  pets: DetectedObject[];
  objects: DetectedObject[];
  sceneType: Estimate<SceneType>;
  /** Union of every person's mask (0..255), when segmentation ran. */
  personMask?: Mask;
  /** How `personMask` was made; absent when there is no mask. */
  personMaskSource?: PersonMaskSource;
  /** Which models/modules produced this, for honesty in reports. */
  models: string[];
  /** Milliseconds spent, by sub-step. */
  timings: Record<string, number>;
}

/** An analysis that says "nothing found": used when analysis is skipped or fails softly. */
export function emptyAnalysis(width: number, height: number): SceneAnalysis {
  return {
    width,
    height,
    people: [],
    peopleCount: 0,
    pets: [],
    objects: [],
    sceneType: { value: 'landscape', confidence: 0 },
    models: [],
    timings: {},
  };
}

/** Progress of one stage, reported as it runs. */
export interface ProgressEvent {
  stage: StageName;
  /** 0..1 within the stage. */
  progress: number;
  message?: string;
}

export const STAGE_NAMES = ['decode', 'analyse', 'describe', 'stylize', 'upscale', 'compose', 'encode'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export interface StageContext {
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

export interface Analyser {
  readonly name: string;
  analyse(image: RgbImage, context?: StageContext): Promise<SceneAnalysis>;
  dispose(): Promise<void>;
}

export interface Upscaler {
  readonly name: string;
  /** Integer scale factor, e.g. 2 or 4. */
  upscale(image: RgbImage, scale: number, context?: StageContext): Promise<RgbImage>;
  dispose(): Promise<void>;
}

/** The embedded engine's built-in looks. Scene presets pick one; `--style` overrides. */
export const EMBEDDED_STYLES = ['bright-cel', 'soft-watercolor', 'manga-ink', 'dreamy-sky'] as const;
export type EmbeddedStyle = (typeof EMBEDDED_STYLES)[number];

export interface StylizeRequest {
  /** Working-resolution image (≈512 px long side). */
  image: RgbImage;
  /** Analysis in the same pixel coordinates as `image`. */
  analysis: SceneAnalysis;
  style: string;
  /** Per-preset numeric tweaks of the engine's parameters (names are engine-specific). */
  params?: Record<string, number>;
  /** Prompt text, for engines that use one (the embedded engine ignores it). */
  prompt?: { positive: string; negative: string };
  seed: number;
}

export interface Stylizer {
  readonly name: string;
  readonly styles: readonly string[];
  stylize(request: StylizeRequest, context?: StageContext): Promise<RgbImage>;
  /** What to record as the generation parameters of a request (sampler, steps…); engines without steps omit it. */
  describeGeneration?(request: StylizeRequest): GenerationSettings;
  dispose(): Promise<void>;
}

/** Sampler settings an engine reports for the PNG `parameters` record. */
export interface GenerationSettings {
  sampler: string;
  steps: number;
  cfgScale?: number;
  denoisingStrength?: number;
}
