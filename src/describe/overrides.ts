/**
 * User corrections of what the analyser assumed (`--people 2 --gender f,m`). Corrections are taken as
 * certain (confidence 1) and the scene type is re-derived from the corrected people.
 */
import type { Gender, PersonAnalysis, SceneAnalysis, SceneType } from '../core/types.js';

export interface AnalysisOverridesInput {
  people?: number;
  genders?: ReadonlyArray<'f' | 'm' | '?'>;
}

/** Scene type from people and pets; the same rule the describer expects from the analyser. */
export function sceneTypeFor(people: readonly PersonAnalysis[], petCount: number, minConfidence = 0.7): SceneType {
  if (people.length === 0) return petCount > 0 ? 'pet' : 'landscape';
  if (petCount > 0) return 'person-with-pet';
  if (people.length === 2) return 'couple';
  if (people.length >= 3) return 'group';
  const person = people[0];
  const bucket = person.age && person.age.confidence >= minConfidence ? person.age.value.bucket : undefined;
  if (bucket === 'child') return 'child';
  if (bucket === 'elderly') return 'elderly';
  const gender = person.gender && person.gender.confidence >= minConfidence ? person.gender.value : undefined;
  return gender === 'female' ? 'single-female' : gender === 'male' ? 'single-male' : 'single-person';
}

export function applyAnalysisOverrides(analysis: SceneAnalysis, overrides: AnalysisOverridesInput = {}): SceneAnalysis {
  if (overrides.people === undefined && overrides.genders === undefined) return analysis;
  // Largest people first, so "--gender f,m" reads left-to-right by prominence.
  let people = [...analysis.people].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
  const count = overrides.people ?? people.length;
  if (count < people.length) people = people.slice(0, count);
  while (people.length < count) {
    // A person the analyser missed: no box is known, so it spans the image and carries no attributes.
    people.push({ box: { x: 0, y: 0, width: analysis.width, height: analysis.height } });
  }
  if (overrides.genders) {
    people = people.map((person, i) => {
      const g = overrides.genders?.[i];
      if (g === undefined) return person;
      if (g === '?') {
        const { gender: _dropped, ...rest } = person;
        return rest;
      }
      const value: Gender = g === 'f' ? 'female' : 'male';
      return { ...person, gender: { value, confidence: 1 } };
    });
  }
  const sceneType = sceneTypeFor(people, analysis.pets.length);
  return { ...analysis, people, peopleCount: people.length, sceneType: { value: sceneType, confidence: 1 } };
}
