/**
 * Gender from two independent face models, and when to say nothing. Portable (no tfjs): the analyser runs the
 * models and hands their probabilities here.
 *
 * Why a committee: faceres (colour, 224 px) is confidently wrong on some girls and elderly women, more often
 * with darker skin (shared note: 95.8 % light vs 73.7 % medium/dark). A second, differently trained model that
 * sees a 64 px grayscale crop (face_classification's IMDB gender CNN) makes different mistakes. When the two
 * agree, their evidence is combined as independent experts (log-odds add); when they disagree, the answer is
 * "not sure", which the describer turns into gender-neutral words ("person", "child").
 */
import type { AgeBucket, Estimate, Gender } from '../core/types.js';

/** Confidence given when the two models disagree: below the describer's 0.7, so no gender is named. */
export const DISAGREEING_GENDER_CAP = 0.6;
/** Confidence cap for age bands where face gender is unreliable (see `UNCERTAIN_GENDER_AGES`). */
export const UNCERTAIN_AGE_GENDER_CAP = 0.6;
/**
 * Face-based gender is known to be weak for young children (little facial dimorphism before puberty) and for
 * elderly women, and a wrong "man"/"boy" costs the user more than a neutral "older person"/"child". On the shared
 * corpus every gender error of faceres, ssrnet and faceres-deep alike fell in these two bands; that agreement with
 * the literature, not a fitted threshold, is why they are the default (it was still chosen after seeing that data).
 */
export const UNCERTAIN_GENDER_AGES: readonly AgeBucket[] = ['child', 'elderly'];

const EPSILON = 1e-4;
const logit = (p: number) => {
  const q = Math.min(1 - EPSILON, Math.max(EPSILON, p));
  return Math.log(q / (1 - q));
};
const round3 = (v: number) => Math.round(v * 1000) / 1000;

export interface GenderFusionOptions {
  /** The face's age bucket, when known: confidence is capped for `uncertainAges`. */
  bucket?: AgeBucket;
  uncertainAges?: readonly AgeBucket[];
}

/**
 * Fuse P(male) from the main model and, when available, a second model. Confidence is P(the stated gender) as the
 * fused models see it: independent-expert log-odds when they agree, capped at DISAGREEING_GENDER_CAP when they do
 * not, and at UNCERTAIN_AGE_GENDER_CAP in uncertain age bands. Returns undefined for non-finite input.
 */
export function fuseGender(pMale: number, pMaleSecond: number | undefined, options: GenderFusionOptions = {}): Estimate<Gender> | undefined {
  if (!Number.isFinite(pMale) || (pMaleSecond !== undefined && !Number.isFinite(pMaleSecond))) return undefined;
  let p = pMale;
  let cap = 0.99;
  if (pMaleSecond !== undefined) {
    const agree = pMale > 0.5 === pMaleSecond > 0.5;
    if (agree) {
      p = 1 / (1 + Math.exp(-(logit(pMale) + logit(pMaleSecond))));
    } else {
      // The mean keeps the more confident model's side without letting it speak for both.
      p = (pMale + pMaleSecond) / 2;
      cap = Math.min(cap, DISAGREEING_GENDER_CAP);
    }
  }
  if (options.bucket && (options.uncertainAges ?? UNCERTAIN_GENDER_AGES).includes(options.bucket)) {
    cap = Math.min(cap, UNCERTAIN_AGE_GENDER_CAP);
  }
  const value: Gender = p > 0.5 ? 'male' : 'female';
  return { value, confidence: round3(Math.min(cap, Math.max(p, 1 - p))) };
}
