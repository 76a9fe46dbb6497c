import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sceneTypeOf } from '../../src/analyse/scene-type.js';
import { applyAnalysisOverrides, sceneTypeFor } from '../../src/describe/overrides.js';
import { emptyAnalysis, type DetectedObject, type PersonAnalysis } from '../../src/core/types.js';

const face = { box: { x: 10, y: 10, width: 20, height: 20 }, score: 0.9 };
const person = (extra: Partial<PersonAnalysis> = {}): PersonAnalysis => ({ box: face.box, face, ...extra });
const dog: DetectedObject = { label: 'dog', score: 0.6, box: { x: 0, y: 0, width: 50, height: 50 } };
const size = { width: 100, height: 100 };

const cases: [string, PersonAnalysis[], number][] = [
  ['nobody', [], 0],
  ['a pet', [], 1],
  ['sure man', [person({ gender: { value: 'male', confidence: 0.9 } })], 0],
  ['unsure woman', [person({ gender: { value: 'female', confidence: 0.6 } })], 0],
  ['child at 0.55', [person({ age: { value: { years: 10, bucket: 'child' }, confidence: 0.55 } })], 0],
  ['elderly at 0.65, sure woman', [person({ age: { value: { years: 69, bucket: 'elderly' }, confidence: 0.65 }, gender: { value: 'female', confidence: 0.8 } })], 0],
  ['unsure child, sure girl', [person({ age: { value: { years: 11, bucket: 'child' }, confidence: 0.45 }, gender: { value: 'female', confidence: 0.8 } })], 0],
  ['couple', [person(), person()], 0],
  ['group with pet', [person(), person(), person()], 1],
];

test('the corrections path and the analyser use one scene rule', () => {
  for (const [name, people, pets] of cases) {
    const fromAnalyser = sceneTypeOf(people, Array(pets).fill(dog), [], size).value;
    assert.equal(sceneTypeFor(people, pets), fromAnalyser, name);
  }
  assert.equal(sceneTypeOf([person({ age: { value: { years: 69, bucket: 'elderly' }, confidence: 0.65 } })], [], [], size).value, 'elderly');
  assert.equal(sceneTypeOf([person({ age: { value: { years: 11, bucket: 'child' }, confidence: 0.45 }, gender: { value: 'female', confidence: 0.8 } })], [], [], size).value, 'single-female');
});

test('an override that changes nothing keeps the analyser\'s scene, objects included', () => {
  const cup: DetectedObject = { label: 'cup', score: 0.45, box: { x: 20, y: 5, width: 40, height: 40 } };
  const analysis = { ...emptyAnalysis(100, 100), objects: [cup] };
  analysis.sceneType = sceneTypeOf([], [], [cup], analysis);
  assert.equal(analysis.sceneType.value, 'object');
  assert.equal(applyAnalysisOverrides(analysis, { people: 0 }).sceneType.value, 'object');
});

test('no people: one large object is the subject; several of a kind are scenery (boats along a shore)', () => {
  const boat = (x: number, width: number): DetectedObject => ({ label: 'boat', score: 0.37, box: { x, y: 60, width, height: 30 } });
  // One boat filling 12 % of the frame: an object photo.
  assert.equal(sceneTypeOf([], [], [boat(10, 40)], size).value, 'object');
  // Two birds (a pair of parrots) still make an object photo.
  assert.equal(sceneTypeOf([], [], [boat(10, 40), boat(55, 40)].map((o) => ({ ...o, label: 'bird' })), size).value, 'object');
  // Five boats, the largest at 12 %: a landscape.
  assert.equal(sceneTypeOf([], [], [boat(0, 40), boat(40, 12), boat(55, 12), boat(70, 12), boat(85, 12)], size).value, 'landscape');
  // A large cup next to the boats is still the subject.
  const cup: DetectedObject = { label: 'cup', score: 0.45, box: { x: 20, y: 5, width: 40, height: 40 } };
  assert.equal(sceneTypeOf([], [], [boat(0, 20), boat(40, 12), boat(70, 12), cup], size).value, 'object');
});
