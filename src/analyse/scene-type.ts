/**
 * The one scene-type rule, used by the analyser and by user corrections (describe/overrides.ts), so a photo gets
 * the same scene whether or not someone corrected it. Portable.
 */
import type { DetectedObject, Estimate, PersonAnalysis, SceneType } from '../core/types.js';
import { boxArea } from './geometry.js';

/** A single person's gender must be this sure to name the scene single-male/female (the describer's threshold). */
export const SCENE_MIN_GENDER_CONFIDENCE = 0.7;
/**
 * A child or elderly age must be this sure to pick the child/elderly scene. Lower than for gender: a wrong child
 * or elderly preset only changes the look, and faceres's elderly estimates cluster just above 65 (its confidence
 * there, from the distance to the bucket edge, is ~0.65).
 */
export const SCENE_MIN_AGE_CONFIDENCE = 0.5;
/** With no people and no pets, an object filling this share of the frame makes an object scene, not a landscape. */
const MAIN_OBJECT_AREA = 0.08;
/**
 * …unless it is one of this many of its kind: a row of boats on a shore, a flock, parked cars are part of the view,
 * not its subject (a lakeside at sunset with five boats read as an "object" photo).
 */
const SCENERY_REPEATS = 3;

const round2 = (v: number) => Math.round(v * 100) / 100;

export interface SceneTypeOptions {
  minGenderConfidence?: number;
  minAgeConfidence?: number;
}

/** Counts first, then pets, then a single person's age, then gender only when it is sure enough. */
export function sceneTypeOf(
  people: readonly PersonAnalysis[],
  pets: readonly DetectedObject[],
  objects: readonly DetectedObject[],
  size: { width: number; height: number },
  options: SceneTypeOptions = {},
): Estimate<SceneType> {
  const minGender = options.minGenderConfidence ?? SCENE_MIN_GENDER_CONFIDENCE;
  const minAge = options.minAgeConfidence ?? SCENE_MIN_AGE_CONFIDENCE;
  const topPet = pets.reduce((m, p) => Math.max(m, p.score), 0);
  const personConfidence = people.length === 0 ? 0 : people.reduce((s, p) => s + (p.face?.score ?? 0.5), 0) / people.length;
  if (people.length === 0) {
    if (pets.length > 0) return { value: 'pet', confidence: round2(topPet) };
    const area = size.width * size.height;
    const repeats = (label: string) => objects.filter((o) => o.label === label).length;
    const main = objects
      .filter((o) => area > 0 && boxArea(o.box) / area >= MAIN_OBJECT_AREA && repeats(o.label) < SCENERY_REPEATS)
      .sort((a, b) => b.score - a.score)[0];
    if (main) return { value: 'object', confidence: round2(main.score) };
    return { value: 'landscape', confidence: objects.length === 0 ? 0.6 : 0.5 };
  }
  if (pets.length > 0) return { value: 'person-with-pet', confidence: round2(Math.min(topPet, personConfidence)) };
  if (people.length === 2) return { value: 'couple', confidence: round2(personConfidence * 0.9) };
  if (people.length > 2) return { value: 'group', confidence: round2(personConfidence * 0.9) };
  const person = people[0];
  const age = person.age;
  if (age && age.value.bucket === 'child' && age.confidence >= minAge) return { value: 'child', confidence: age.confidence };
  if (age && age.value.bucket === 'elderly' && age.confidence >= minAge) return { value: 'elderly', confidence: age.confidence };
  const gender = person.gender;
  if (gender && gender.confidence >= minGender) {
    return { value: gender.value === 'female' ? 'single-female' : 'single-male', confidence: gender.confidence };
  }
  return { value: 'single-person', confidence: round2(personConfidence) };
}
