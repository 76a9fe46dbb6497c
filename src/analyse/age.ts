/**
 * Age from the face models' outputs: decoding the 100-bin heads, buckets, and a confidence. Portable (no tfjs).
 */
import type { AgeBucket, Estimate } from '../core/types.js';

export function ageBucketOf(years: number): AgeBucket {
  if (years < 13) return 'child';
  if (years < 20) return 'teen';
  if (years < 65) return 'adult';
  return 'elderly';
}

/**
 * Years from an HSE age head (100 softmax bins, 1 year each): the top bin, refined toward its stronger neighbour
 * as human does for faceres. Bins are 0-based, so bin 0 (an infant) gives 0, never "no age".
 */
export function yearsFromAgeBins(bins: ArrayLike<number>): number {
  if (bins.length === 0) return Number.NaN;
  let best = 0;
  for (let i = 1; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
  const prev = best > 0 ? bins[best - 1] : 0;
  const next = best < bins.length - 1 ? bins[best + 1] : 0;
  return Math.max(0, Math.round(prev > next ? 10 * best - 100 * prev : 10 * best + 100 * next) / 10);
}

/**
 * The models give no age uncertainty, so confidence grows with the distance from the bucket's edges.
 * Teens are capped low: on the shared corpus faceres got 1 of 5 teens right and faceres-deep 2 of 5.
 */
export function ageConfidence(years: number): number {
  const bucket = ageBucketOf(years);
  const margin =
    bucket === 'child' ? 13 - years : bucket === 'teen' ? Math.min(years - 13, 20 - years) : bucket === 'adult' ? Math.min(years - 20, 65 - years) : years - 65;
  const c = 0.4 + 0.5 * Math.min(1, Math.max(0, margin) / 8);
  return Math.round((bucket === 'teen' ? Math.min(c, 0.4) : c) * 100) / 100;
}

/** Confidence cap when the two age models put a face in different buckets: one of them is wrong. */
export const DISAGREEING_AGE_CAP = 0.6;

/**
 * The age estimate from whichever models ran: faceres-deep's years when present (it is the more accurate age model:
 * 80.9 vs 76.6 % buckets on the shared corpus, and not worse for darker skin), else faceres's. When both ran and
 * disagree on the bucket the confidence is capped, so the describer says less.
 */
export interface AgeEstimate extends Estimate<{ years: number; bucket: AgeBucket }> {
  /** Years each age model said, so a user can see why the confidence is what it is. */
  votes?: { faceres?: number; faceresDeep?: number };
}

export function fuseAge(faceresYears: number | undefined, deepYears: number | undefined): AgeEstimate | undefined {
  const main = deepYears !== undefined && Number.isFinite(deepYears) ? deepYears : faceresYears;
  if (main === undefined || !Number.isFinite(main)) return undefined;
  const bucket = ageBucketOf(main);
  let confidence = ageConfidence(main);
  const other = main === deepYears ? faceresYears : undefined;
  if (other !== undefined && Number.isFinite(other) && ageBucketOf(other) !== bucket) confidence = Math.min(confidence, DISAGREEING_AGE_CAP);
  const votes = {
    ...(faceresYears !== undefined && Number.isFinite(faceresYears) ? { faceres: faceresYears } : {}),
    ...(deepYears !== undefined && Number.isFinite(deepYears) ? { faceresDeep: deepYears } : {}),
  };
  return { value: { years: main, bucket }, confidence, votes };
}
