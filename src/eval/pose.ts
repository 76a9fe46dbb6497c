/** Object Keypoint Similarity (COCO) between the pose found in the photo and in the stylized image. */
import type { Keypoint } from '../core/types.js';

/**
 * Per-keypoint standard deviations from the COCO keypoint evaluation (cocoapi `COCOeval`,
 * sigmas = [.26 .25 .25 .35 .35 .79 .79 .72 .72 .62 .62 1.07 1.07 .87 .87 .89 .89] / 10),
 * keyed by the part names human/MoveNet use.
 */
export const COCO_SIGMAS: Readonly<Record<string, number>> = {
  nose: 0.026,
  lefteye: 0.025,
  righteye: 0.025,
  leftear: 0.035,
  rightear: 0.035,
  leftshoulder: 0.079,
  rightshoulder: 0.079,
  leftelbow: 0.072,
  rightelbow: 0.072,
  leftwrist: 0.062,
  rightwrist: 0.062,
  lefthip: 0.107,
  righthip: 0.107,
  leftknee: 0.087,
  rightknee: 0.087,
  leftankle: 0.089,
  rightankle: 0.089,
};

/** 'leftShoulder', 'left_shoulder' and 'Left Shoulder' all name the same part. */
export function normalisePartName(part: string): string {
  return part.toLowerCase().replace(/[^a-z]/g, '');
}

/** The name the analyser lists in `SceneAnalysis.models` when its multi-person pose model ran. */
export const MULTIPOSE_MODEL = 'google/movenet-multipose';

export interface OksOptions {
  /** Keypoints below this score count as not visible (reference) or not found (candidate). Default 0.3. */
  minScore?: number;
}

export interface OksResult {
  /** 0..1; 1 = every visible reference keypoint found at the same place. */
  oks: number;
  /** Reference keypoints that were visible and have a COCO sigma. */
  visible: number;
  /** Of those, how many the candidate also found. */
  found: number;
}

/**
 * OKS = mean over visible reference keypoints of exp(−d² / (2 · s² · k²)), k = 2σ, with s² the
 * object's area (COCO uses segment area; here the caller passes the person box area, the usual
 * stand-in without masks). A keypoint the candidate does not find scores 0 instead of being skipped,
 * so losing an arm counts against structure. Undefined when the reference shows no usable keypoint.
 */
export function objectKeypointSimilarity(reference: readonly Keypoint[], candidate: readonly Keypoint[], area: number, options: OksOptions = {}): OksResult | undefined {
  const minScore = options.minScore ?? 0.3;
  const found = new Map<string, Keypoint>();
  for (const kp of candidate) {
    if (kp.score < minScore) continue;
    const name = normalisePartName(kp.part);
    const previous = found.get(name);
    if (!previous || previous.score < kp.score) found.set(name, kp);
  }
  const s2 = Math.max(area, 1e-9);
  let sum = 0;
  let visible = 0;
  let matched = 0;
  const seen = new Set<string>();
  for (const kp of reference) {
    const name = normalisePartName(kp.part);
    const sigma = COCO_SIGMAS[name];
    if (sigma === undefined || kp.score < minScore || seen.has(name)) continue;
    seen.add(name);
    visible++;
    const other = found.get(name);
    if (!other) continue;
    matched++;
    const dx = other.position.x - kp.position.x;
    const dy = other.position.y - kp.position.y;
    const k = 2 * sigma;
    sum += Math.exp(-(dx * dx + dy * dy) / (2 * s2 * k * k));
  }
  if (visible === 0) return undefined;
  return { oks: sum / visible, visible, found: matched };
}
