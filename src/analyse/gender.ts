/**
 * Gender from a committee of face models, and when to say nothing. Portable (no tfjs): the analyser runs the models
 * and hands their probabilities here.
 *
 * The committee has two independent experts. The first is the HSE pair, faceres and faceres-deep: colour, 224 px, the
 * same authors and training data, so they make correlated mistakes and count as one expert (their log-odds are
 * averaged). The second is face_classification's grayscale CNN: a 64 px gray crop, trained on other data (IMDB), which
 * leans less on skin colour. Independent experts' evidence adds (log-odds sum), and the answer is named when the
 * result reaches the describer's confidence (0.7). No threshold here was fitted: 0.7 is the describer's, and the rule
 * was chosen from a grid of 48 variants (pooling × dissent handling × the two age bands), with leave-one-out over
 * the choice on the shared corpus's 43
 * gender-labelled portraits (printed by `npm run eval:analysis`): it was picked in 42 of 43 folds, and the held-out
 * estimate was 30 right, 1 wrong, 12 not named. Small sample: read it as ±10–15 points.
 *
 * Two age bands get stricter rules, because face gender is known to be unreliable there (little facial dimorphism
 * before puberty; older women read as men) and a wrong "boy"/"man" costs a user more than a neutral "child"/"older
 * person":
 * - children (`UNANIMOUS_GENDER_AGES`): named only when every model agrees, including the grayscale CNN;
 * - elderly (`UNCERTAIN_GENDER_AGES`): never named; all three models read two of four elderly women in the corpus as
 *   confidently male.
 */
import type { AgeBucket, Estimate, Gender } from '../core/types.js';

/** Confidence given when a required agreement is missing: below the describer's 0.7, so no gender is named. */
export const DISAGREEING_GENDER_CAP = 0.6;
/** Confidence cap for age bands where face gender is not named (see `UNCERTAIN_GENDER_AGES`). */
export const UNCERTAIN_AGE_GENDER_CAP = 0.6;
/** Age bands in which gender is capped below the describer's threshold. */
export const UNCERTAIN_GENDER_AGES: readonly AgeBucket[] = ['elderly'];
/** Age bands in which gender needs every model to agree, the independent grayscale CNN included. */
export const UNANIMOUS_GENDER_AGES: readonly AgeBucket[] = ['child'];

const EPSILON = 1e-4;
const logit = (p: number) => {
  const q = Math.min(1 - EPSILON, Math.max(EPSILON, p));
  return Math.log(q / (1 - q));
};
const round3 = (v: number) => Math.round(v * 1000) / 1000;

/** P(male) from each model that ran on the face. */
export interface GenderVotes {
  faceres?: number;
  faceresDeep?: number;
  grayscale?: number;
}

/** A gender estimate with the votes it came from, so a user can see why it was, or was not, named. */
export interface GenderEstimate extends Estimate<Gender> {
  votes: GenderVotes;
}

export interface GenderFusionOptions {
  /** The face's age bucket, when known. */
  bucket?: AgeBucket;
  /** Bands capped below the describer threshold (default `UNCERTAIN_GENDER_AGES`). */
  uncertainAges?: readonly AgeBucket[];
  /** Bands that need unanimity (default `UNANIMOUS_GENDER_AGES`). */
  unanimousAges?: readonly AgeBucket[];
}

/**
 * Fuse the models' P(male). Confidence is P(the stated gender) under the two-expert model, capped at
 * DISAGREEING_GENDER_CAP or UNCERTAIN_AGE_GENDER_CAP where the age band asks for more. Undefined when no model gave
 * a finite probability.
 */
export function fuseGenderVotes(votes: GenderVotes, options: GenderFusionOptions = {}): GenderEstimate | undefined {
  const finite = (p: number | undefined): p is number => p !== undefined && Number.isFinite(p) && p >= 0 && p <= 1;
  const hse = [votes.faceres, votes.faceresDeep].filter(finite);
  const gray = finite(votes.grayscale) ? votes.grayscale : undefined;
  if (hse.length === 0 && gray === undefined) return undefined;
  const z = (hse.length > 0 ? hse.reduce((s, p) => s + logit(p), 0) / hse.length : 0) + (gray !== undefined ? logit(gray) : 0);
  const p = 1 / (1 + Math.exp(-z));
  const value: Gender = z > 0 ? 'male' : 'female';
  const all = gray === undefined ? hse : [...hse, gray];
  const unanimous = all.every((q) => q > 0.5 === (value === 'male'));

  let cap = 0.99;
  const bucket = options.bucket;
  if (bucket && (options.unanimousAges ?? UNANIMOUS_GENDER_AGES).includes(bucket) && (!unanimous || gray === undefined || hse.length === 0)) {
    cap = Math.min(cap, DISAGREEING_GENDER_CAP);
  }
  if (bucket && (options.uncertainAges ?? UNCERTAIN_GENDER_AGES).includes(bucket)) cap = Math.min(cap, UNCERTAIN_AGE_GENDER_CAP);

  const kept: GenderVotes = {
    ...(finite(votes.faceres) ? { faceres: round3(votes.faceres) } : {}),
    ...(finite(votes.faceresDeep) ? { faceresDeep: round3(votes.faceresDeep) } : {}),
    ...(gray !== undefined ? { grayscale: round3(gray) } : {}),
  };
  return { value, confidence: round3(Math.min(cap, Math.max(p, 1 - p))), votes: kept };
}
