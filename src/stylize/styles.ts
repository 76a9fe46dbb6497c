/**
 * One typed parameter set per embedded style. Every field is numeric so a scene preset can tweak it
 * through `StylizeRequest.params` (same names); `resolveStyleParams` validates and clamps overrides.
 */
import type { EmbeddedStyle } from '../core/types.js';
import { invalidParameter } from '../validate.js';

export interface StyleParams {
  /** Edge-preserving smoothing: spatial extent (px at 512 long side). */
  smoothSpace: number;
  /** Edge-preserving smoothing: colour range (Lab units); larger = flatter. */
  smoothRange: number;
  /** Extra range multiplier on skin (smoother skin). */
  skinSmooth: number;
  /** Extra range multiplier on hair (fewer strands, cleaner bands). */
  hairSmooth: number;
  /** Extra range multiplier off people (flatter, more painterly background). */
  backgroundSmooth: number;
  /** Palette size for region clustering. */
  clusters: number;
  /** Weight of lightness vs chroma when clustering (lower = shading stays inside one region). */
  clusterLightness: number;
  /** Shadow band threshold in region std-devs. */
  shadowThreshold: number;
  /** Highlight band threshold in region std-devs (large = two tones only). */
  highlightThreshold: number;
  /** Minimum lightness gap (L units) before a region splits into bands. */
  minBandStep: number;
  /** Minimum lightness gap (L units) before a skin region splits into a shadow band. */
  skinBandStep: number;
  /**
   * 0..1: share of the smoothed photo's lightness kept inside flat bands off people. Off (0) in every
   * style: on the corpus it did not measurably help face or pose detection and it costs the flat look.
   */
  structure: number;
  /** 0..1: the same on people (limbs, clothes folds). */
  personStructure: number;
  /** 0..1: how much of the smoothed photo (not the flat cel regions) faces keep before repainting. */
  faceStructure: number;
  /**
   * 0..1: how much of the smoothed photo (with half of the photo's fine lightness detail) faces too
   * small for drawn features keep over the cel colours, shading and soft borders (lines still go on
   * top). A 30-50 px face's eyes, brows and
   * mouth are a few pixels each; flat bands and wet edges merge them, and then neither a viewer nor
   * a face detector sees a face there any more.
   */
  smallFaceKeep: number;
  /** 0..1: how much of the photo's own (softened) face shading skin keeps under the anime shadow step. */
  skinShading: number;
  /** 0..1: share of the photo's skin highlights (lighter than the face's mean) the skin keeps. */
  skinHighlights: number;
  /** Lightness contrast between bands (1 = measured). */
  bandContrast: number;
  /** Blur (px) of lightness that decides band borders; larger = rounder shading shapes. */
  bandBlur: number;
  /** Chroma multiplier for the background (painterly, saturated). */
  backgroundSaturation: number;
  /** Chroma multiplier for people's clothes and hair (never skin). */
  personSaturation: number;
  /** Pastel lift: fraction of the way each non-skin lightness moves toward white. */
  pastel: number;
  /** Chroma multiplier applied with the pastel lift (below 1 = washed). */
  pastelChroma: number;
  /** XDoG inner sigma (line scale). */
  lineSigma: number;
  /** XDoG sensitivity (closer to 1: fewer lines). */
  lineTau: number;
  /** XDoG threshold. */
  lineEpsilon: number;
  /** XDoG steepness. */
  linePhi: number;
  /** Strokes shorter than this (px) are removed. */
  lineMinLength: number;
  /** Outline colour edges whose smoothed Lab gradient (per px) exceeds this (0 = off). */
  colourEdgeLines: number;
  /** Ink opacity 0..1. */
  lineOpacity: number;
  /** Ink lightness (L units; 0 = black). */
  lineLightness: number;
  /** How much lines are thickened on people (0..1). */
  personLineWeight: number;
  /** Sky repaint strength 0..1 (0 disables sky treatment). */
  sky: number;
  /** Stylised cloud strength 0..1. */
  clouds: number;
  /** 0..1: how far the sky gradient moves from the photo's own sky colours to the style's palette. */
  skyPalette: number;
  /** Chroma multiplier of the photo's own sky colours. */
  skyChroma: number;
  /** Eye enlargement (0.15 = about 15 % larger eyes). */
  eyeScale: number;
  /** Catchlight opacity 0..1. */
  catchlights: number;
  /**
   * 0..1: ink strength of strong dark photo lines around the eyes (glasses frames), which the face
   * smoothing and skin repaint would otherwise erase; 0 also stops them being painted back.
   */
  frameLines: number;
  /** Hair highlight (angel ring) strength 0..1. */
  hairHighlight: number;
  /** Softness of region borders (px blur of the flat image). */
  edgeSoftness: number;
  /** Wet-edge wobble: how far (px) region borders wander, like paint on damp paper. */
  wobble: number;
  /** Paper texture strength 0..1. */
  paper: number;
  /** 0..1: the wash fades to bare paper toward the picture's edges (never over faces). */
  borderFade: number;
  /** 0..1: pencil-like breaks along the lines. */
  lineBreakup: number;
  /** Film grain strength 0..1. */
  grain: number;
  /** Watercolour edge darkening (pigment pooling) 0..1. */
  pigmentEdges: number;
  /** Bloom strength 0..1. */
  bloom: number;
  /** Soft-focus glow (a blurred copy screened over the picture) 0..1. */
  softFocus: number;
  /** Pastel colour haze over the background (pink above, peach below) 0..1. */
  haze: number;
  /** Warm glow tint 0..1. */
  warmth: number;
  /** Sparkle count per 100k pixels. */
  sparkles: number;
  /** 1 = black & white manga rendering. */
  monochrome: number;
  /** Screentone dot cell (px). */
  halftoneCell: number;
}

/** Documented defaults per style. */
export const STYLE_DEFAULTS: Readonly<Record<EmbeddedStyle, Readonly<StyleParams>>> = {
  'bright-cel': {
    smoothSpace: 14,
    smoothRange: 9,
    skinSmooth: 3,
    hairSmooth: 1.8,
    backgroundSmooth: 1.7,
    clusters: 20,
    clusterLightness: 0.55,
    shadowThreshold: 0.55,
    highlightThreshold: 1.6,
    minBandStep: 3,
    skinBandStep: 6,
    structure: 0,
    personStructure: 0.2,
    faceStructure: 0.7,
    smallFaceKeep: 1,
    skinShading: 0.75,
    skinHighlights: 0.5,
    bandContrast: 1.25,
    bandBlur: 1.5,
    backgroundSaturation: 1.35,
    personSaturation: 1.15,
    pastel: 0,
    pastelChroma: 1,
    lineSigma: 0.9,
    lineTau: 0.985,
    lineEpsilon: -0.004,
    linePhi: 60,
    lineMinLength: 14,
    colourEdgeLines: 9,
    lineOpacity: 0.92,
    lineLightness: 12,
    personLineWeight: 0.8,
    sky: 1,
    clouds: 0.9,
    skyPalette: 0.35,
    skyChroma: 1.35,
    eyeScale: 0.14,
    catchlights: 0.95,
    frameLines: 0.8,
    hairHighlight: 0.55,
    edgeSoftness: 0.55,
    wobble: 0,
    paper: 0,
    borderFade: 0,
    lineBreakup: 0,
    grain: 0,
    pigmentEdges: 0,
    bloom: 0,
    softFocus: 0,
    haze: 0,
    warmth: 0,
    sparkles: 0,
    monochrome: 0,
    halftoneCell: 5,
  },
  'soft-watercolor': {
    smoothSpace: 20,
    smoothRange: 12,
    skinSmooth: 3,
    hairSmooth: 1.8,
    backgroundSmooth: 1.8,
    clusters: 12,
    clusterLightness: 0.5,
    shadowThreshold: 0.7,
    highlightThreshold: 9,
    minBandStep: 3,
    skinBandStep: 6,
    structure: 0,
    personStructure: 0.2,
    faceStructure: 0.7,
    smallFaceKeep: 1,
    skinShading: 1,
    skinHighlights: 1,
    bandContrast: 1.0,
    bandBlur: 2.5,
    backgroundSaturation: 1.0,
    personSaturation: 0.95,
    pastel: 0.2,
    pastelChroma: 0.85,
    lineSigma: 1.0,
    lineTau: 0.99,
    lineEpsilon: -0.004,
    linePhi: 35,
    lineMinLength: 20,
    colourEdgeLines: 12,
    lineOpacity: 0.5,
    lineLightness: 32,
    personLineWeight: 0.3,
    sky: 0.9,
    clouds: 0.8,
    skyPalette: 0.2,
    skyChroma: 1.0,
    eyeScale: 0.12,
    catchlights: 0.85,
    frameLines: 0.9,
    hairHighlight: 0.5,
    edgeSoftness: 1.0,
    wobble: 2.2,
    paper: 0.6,
    borderFade: 0.8,
    lineBreakup: 0.5,
    grain: 0.15,
    pigmentEdges: 0.8,
    bloom: 0,
    softFocus: 0,
    haze: 0,
    warmth: 0.1,
    sparkles: 0,
    monochrome: 0,
    halftoneCell: 5,
  },
  'manga-ink': {
    smoothSpace: 12,
    smoothRange: 9,
    skinSmooth: 3,
    hairSmooth: 1.8,
    backgroundSmooth: 1.6,
    clusters: 16,
    clusterLightness: 0.8,
    shadowThreshold: 0.5,
    highlightThreshold: 9,
    minBandStep: 3,
    skinBandStep: 6,
    structure: 0,
    personStructure: 0.2,
    faceStructure: 0.7,
    smallFaceKeep: 1,
    skinShading: 0.7,
    skinHighlights: 0.5,
    bandContrast: 1.2,
    bandBlur: 1.5,
    backgroundSaturation: 1,
    personSaturation: 1,
    pastel: 0,
    pastelChroma: 1,
    lineSigma: 0.9,
    lineTau: 0.98,
    lineEpsilon: -0.003,
    linePhi: 80,
    lineMinLength: 12,
    colourEdgeLines: 9,
    lineOpacity: 1,
    lineLightness: 0,
    personLineWeight: 1,
    sky: 1,
    clouds: 0.9,
    skyPalette: 0.3,
    skyChroma: 1,
    eyeScale: 0.14,
    catchlights: 1,
    frameLines: 0.9,
    hairHighlight: 0.6,
    edgeSoftness: 0.4,
    wobble: 0,
    paper: 0,
    borderFade: 0,
    lineBreakup: 0,
    grain: 0,
    pigmentEdges: 0,
    bloom: 0,
    softFocus: 0,
    haze: 0,
    warmth: 0,
    sparkles: 0,
    monochrome: 1,
    halftoneCell: 4,
  },
  'dreamy-sky': {
    smoothSpace: 16,
    smoothRange: 10,
    skinSmooth: 3,
    hairSmooth: 1.8,
    backgroundSmooth: 1.7,
    clusters: 18,
    clusterLightness: 0.55,
    shadowThreshold: 0.6,
    highlightThreshold: 1.8,
    minBandStep: 3,
    skinBandStep: 6,
    structure: 0,
    personStructure: 0.2,
    faceStructure: 0.7,
    smallFaceKeep: 1,
    skinShading: 0.7,
    skinHighlights: 0.5,
    bandContrast: 1.1,
    bandBlur: 2,
    backgroundSaturation: 1.15,
    personSaturation: 1.05,
    pastel: 0.15,
    pastelChroma: 0.95,
    lineSigma: 0.9,
    lineTau: 0.985,
    lineEpsilon: -0.004,
    linePhi: 45,
    lineMinLength: 16,
    colourEdgeLines: 10,
    lineOpacity: 0.7,
    lineLightness: 22,
    personLineWeight: 0.6,
    sky: 1,
    clouds: 0.9,
    skyPalette: 0.75,
    skyChroma: 1.1,
    eyeScale: 0.16,
    catchlights: 1,
    frameLines: 0.8,
    hairHighlight: 0.6,
    edgeSoftness: 0.8,
    wobble: 0,
    paper: 0,
    borderFade: 0,
    lineBreakup: 0,
    grain: 0.1,
    pigmentEdges: 0,
    bloom: 0.45,
    softFocus: 0.35,
    haze: 0.25,
    warmth: 0.35,
    sparkles: 6,
    monochrome: 0,
    halftoneCell: 5,
  },
};

/** Allowed range per parameter; overrides outside it are rejected, not silently clamped. */
export const PARAM_RANGES: Readonly<Record<keyof StyleParams, readonly [number, number]>> = {
  smoothSpace: [0, 60],
  smoothRange: [1, 60],
  skinSmooth: [0.2, 6],
  hairSmooth: [0.2, 6],
  backgroundSmooth: [0.2, 6],
  clusters: [2, 64],
  clusterLightness: [0.05, 2],
  shadowThreshold: [0, 5],
  highlightThreshold: [0, 20],
  minBandStep: [0, 40],
  skinBandStep: [0, 40],
  structure: [0, 1],
  personStructure: [0, 1],
  faceStructure: [0, 1],
  smallFaceKeep: [0, 1],
  skinShading: [0, 1],
  skinHighlights: [0, 1],
  bandContrast: [0, 3],
  bandBlur: [0, 10],
  backgroundSaturation: [0, 3],
  personSaturation: [0, 3],
  pastel: [0, 1],
  pastelChroma: [0, 2],
  lineSigma: [0.3, 4],
  lineTau: [0.8, 1],
  lineEpsilon: [-0.1, 0.1],
  linePhi: [1, 500],
  lineMinLength: [0, 500],
  colourEdgeLines: [0, 100],
  lineOpacity: [0, 1],
  lineLightness: [0, 100],
  personLineWeight: [0, 1],
  sky: [0, 1],
  clouds: [0, 1],
  skyPalette: [0, 1],
  skyChroma: [0, 3],
  eyeScale: [0, 0.3],
  catchlights: [0, 1],
  frameLines: [0, 1],
  hairHighlight: [0, 1],
  edgeSoftness: [0, 5],
  wobble: [0, 8],
  paper: [0, 1],
  borderFade: [0, 1],
  lineBreakup: [0, 1],
  grain: [0, 1],
  pigmentEdges: [0, 1],
  bloom: [0, 1],
  softFocus: [0, 1],
  haze: [0, 1],
  warmth: [0, 1],
  sparkles: [0, 100],
  monochrome: [0, 1],
  halftoneCell: [2, 16],
};

/**
 * Defaults for `style` with `overrides` applied. Unknown names are ignored (a preset may carry tweaks
 * for other engines); a known name with a non-finite or out-of-range value is an INVALID_ARGUMENT.
 */
export function resolveStyleParams(style: EmbeddedStyle, overrides?: Record<string, number>): StyleParams {
  const params: StyleParams = { ...STYLE_DEFAULTS[style] };
  if (!overrides) return params;
  for (const [key, value] of Object.entries(overrides)) {
    if (!Object.prototype.hasOwnProperty.call(PARAM_RANGES, key)) continue;
    const [min, max] = PARAM_RANGES[key as keyof StyleParams];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      throw invalidParameter(`number between ${min} and ${max}`, `params.${key}`, value);
    }
    params[key as keyof StyleParams] = value;
  }
  return params;
}
