/**
 * User corrections of what the analyser assumed (`--people 2 --gender f,m`). Corrections are taken as
 * certain (confidence 1) and the scene type is re-derived from the corrected people.
 */
import type { Gender, PersonAnalysis, SceneAnalysis, SceneType } from '../core/types.js';
import { sceneTypeOf } from '../analyse/scene-type.js';

export interface AnalysisOverridesInput {
  people?: number;
  genders?: ReadonlyArray<'f' | 'm' | '?'>;
}

/**
 * Scene type from people and a pet count. Kept for callers of this name; the rule itself lives in
 * analyse/scene-type.ts so analyser and corrections agree.
 */
export function sceneTypeFor(people: readonly PersonAnalysis[], petCount: number, minConfidence = 0.7): SceneType {
  const pets = Array.from({ length: petCount }, () => ({ label: 'pet', score: 1, box: { x: 0, y: 0, width: 0, height: 0 } }));
  return sceneTypeOf(people, pets, [], { width: 0, height: 0 }, { minGenderConfidence: minConfidence }).value;
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
  const sceneType = sceneTypeOf(people, analysis.pets, analysis.objects, analysis).value;
  return { ...analysis, people, peopleCount: people.length, sceneType: { value: sceneType, confidence: 1 } };
}
