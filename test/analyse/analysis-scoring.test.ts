import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifest, parsePersons, scorePhoto, skinGroupOf, summarise, wilson } from '../../scripts/analysis-scoring.js';
import { emptyAnalysis, type PersonAnalysis, type SceneAnalysis } from '../../src/core/types.js';

test('skin-tone groups follow the issue: light/light-medium vs medium/medium-dark/dark; mixed and unknown left out', () => {
  assert.equal(skinGroupOf('light-medium (East Asian)'), 'light');
  assert.equal(skinGroupOf('medium (grayscale photo)'), 'medium-dark');
  assert.equal(skinGroupOf('dark'), 'medium-dark');
  assert.equal(skinGroupOf('mixed: dark x1, medium-dark x1 (partly cropped), light x3'), 'excluded');
  assert.equal(skinGroupOf('light/medium (caps shade faces)'), 'excluded');
  assert.equal(skinGroupOf('n/a (face hidden)'), 'excluded');
});

test('person labels: gender, bucket, repeats and remarks', () => {
  assert.deepEqual(parsePersons('F/adult; M/elderly'), [{ gender: 'female', bucket: 'adult' }, { gender: 'male', bucket: 'elderly' }]);
  assert.deepEqual(parsePersons('?/child (toddler)'), [{ bucket: 'child' }]);
  assert.equal(parsePersons('M/adult x4 (+ crowd)').length, 4);
  assert.deepEqual(parsePersons('M/adult(middle-aged)'), [{ gender: 'male', bucket: 'adult' }]);
  assert.deepEqual(parsePersons('-'), []);
});

const MANIFEST = [
  'path\tsource\tpeople_count\tpersons_gender_age\tskin_tone_visible\tpets\tscene\texpected_class',
  'images/a.jpg\tx\t1\tF/adult\tdark\tnone\tportrait\tsingle_female',
  'images/b.jpg\tx\t0\t-\t-\tdog x2\tanimal\tpet',
  'images/c.jpg\tx\t0\t-\t-\tnone (wild raccoon)\tanimal\tother',
].join('\n');

function analysisWith(people: PersonAnalysis[], scene: SceneAnalysis['sceneType']['value'], pets: string[] = []): SceneAnalysis {
  return {
    ...emptyAnalysis(100, 100),
    people,
    peopleCount: people.length,
    pets: pets.map((label) => ({ label, score: 0.5, box: { x: 0, y: 0, width: 10, height: 10 } })),
    sceneType: { value: scene, confidence: 0.8 },
  };
}
const face = { box: { x: 0, y: 0, width: 10, height: 10 }, score: 0.9 };

test('scoring: an unsure gender is an abstention, not an error; scene single-person is an abstention too', () => {
  const [a, b, c] = parseManifest(MANIFEST);
  assert.equal(a.skinGroup, 'medium-dark');
  assert.deepEqual(b.pets, ['dog']);
  assert.deepEqual(c.pets, []);
  const unsure = scorePhoto(a, analysisWith([{ box: face.box, face, gender: { value: 'male', confidence: 0.6 } }], 'single-person'));
  assert.equal(unsure.gender?.outcome, 'abstained');
  assert.equal(unsure.scene.outcome, 'abstained');
  const wrong = scorePhoto(a, analysisWith([{ box: face.box, face, gender: { value: 'male', confidence: 0.8 } }], 'single-male'));
  assert.equal(wrong.gender?.outcome, 'wrong');
  assert.equal(wrong.scene.outcome, 'wrong');
  const noFace = scorePhoto(a, analysisWith([], 'landscape'));
  assert.equal(noFace.gender?.outcome, 'abstained');
  assert.equal(noFace.age?.correct, false);
  assert.equal(noFace.count.correct, false);
  assert.equal(scorePhoto(b, analysisWith([], 'pet', ['dog'])).scene.outcome, 'correct');
  assert.equal(scorePhoto(c, analysisWith([], 'pet', ['cat'])).scene.outcome, 'wrong');

  const summary = summarise([unsure, wrong, scorePhoto(b, analysisWith([], 'pet', ['dog']))]);
  const answered = summary.find((m) => m.name === 'gender: accuracy on answered')!;
  assert.equal(answered.all.n, 1);
  assert.equal(answered.all.k, 0);
  const coverage = summary.find((m) => m.name === 'gender: coverage (answered)')!;
  assert.deepEqual([coverage.mediumDark.k, coverage.mediumDark.n], [1, 2]);
  assert.equal(coverage.light.rate, null);
  assert.equal(coverage.gapPts, null);
});

test('Wilson interval: known values and edges', () => {
  const r = wilson(8, 10);
  assert.ok(Math.abs(r.low! - 0.4902) < 0.001 && Math.abs(r.high! - 0.9433) < 0.001, `${r.low} ${r.high}`);
  assert.equal(wilson(0, 0).rate, null);
  assert.equal(wilson(0, 5).low, 0);
  assert.equal(wilson(5, 5).high, 1);
});
