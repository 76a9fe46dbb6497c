import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DISAGREEING_GENDER_CAP, fuseGenderVotes, UNCERTAIN_AGE_GENDER_CAP } from '../../src/analyse/gender.js';

const near = (a: number, b: number) => Math.abs(a - b) < 0.002;

test('one model: its own probability, capped at 0.99, votes kept', () => {
  assert.deepEqual(fuseGenderVotes({ faceres: 0.2 }), { value: 'female', confidence: 0.8, votes: { faceres: 0.2 } });
  assert.equal(fuseGenderVotes({ faceres: 0.9999 })!.confidence, 0.99);
});

test('the two HSE models count as one expert: their log-odds are averaged, not added', () => {
  // Two 0.7s from correlated models stay 0.7; a 0.7 from the independent grayscale CNN makes it 0.845.
  assert.ok(near(fuseGenderVotes({ faceres: 0.7, faceresDeep: 0.7 })!.confidence, 0.7));
  assert.ok(near(fuseGenderVotes({ faceres: 0.7, grayscale: 0.7 })!.confidence, 0.845));
  assert.ok(near(fuseGenderVotes({ faceres: 0.7, faceresDeep: 0.7, grayscale: 0.7 })!.confidence, 0.845));
});

test('adults: a weak dissent from one model does not silence two confident ones', () => {
  // A teen boy: faceres 0.8, deep 0.904, grayscale 0.357 → male, named (≥ 0.7).
  const g = fuseGenderVotes({ faceres: 0.8, faceresDeep: 0.904, grayscale: 0.357 }, { bucket: 'teen' })!;
  assert.equal(g.value, 'male');
  assert.ok(g.confidence >= 0.7, String(g.confidence));
  // …but an equally sure dissent does: the HSE pair at 0.75 against grayscale at 0.25 cancel out.
  const split = fuseGenderVotes({ faceres: 0.75, faceresDeep: 0.75, grayscale: 0.25 }, { bucket: 'adult' })!;
  assert.ok(split.confidence < 0.55, String(split.confidence));
});

test('children: gender only when every model agrees, the grayscale CNN included', () => {
  // A dark-skinned toddler girl: both HSE models read "male 0.91", the grayscale CNN "female" (0.14).
  const split = fuseGenderVotes({ faceres: 0.914, faceresDeep: 0.916, grayscale: 0.142 }, { bucket: 'child' })!;
  assert.ok(split.confidence <= DISAGREEING_GENDER_CAP);
  // A child with a weak dissent (faceres 0.79, deep 0.83, grayscale 0.47) is not named; an adult would be.
  assert.ok(fuseGenderVotes({ faceres: 0.79, faceresDeep: 0.83, grayscale: 0.47 }, { bucket: 'child' })!.confidence <= DISAGREEING_GENDER_CAP);
  assert.ok(fuseGenderVotes({ faceres: 0.79, faceresDeep: 0.83, grayscale: 0.47 }, { bucket: 'adult' })!.confidence >= 0.7);
  // Unanimous and sure: named.
  const boy = fuseGenderVotes({ faceres: 0.877, faceresDeep: 0.973, grayscale: 0.696 }, { bucket: 'child' })!;
  assert.equal(boy.value, 'male');
  assert.ok(boy.confidence >= 0.7);
  // Unanimous without the independent model: not enough for a child.
  assert.ok(fuseGenderVotes({ faceres: 0.97, faceresDeep: 0.98 }, { bucket: 'child' })!.confidence <= DISAGREEING_GENDER_CAP);
  assert.ok(fuseGenderVotes({ faceres: 0.97, faceresDeep: 0.98 }, { bucket: 'child', unanimousAges: [] })!.confidence > 0.9);
});

test('elderly: capped below the describer threshold however sure the models are; configurable', () => {
  assert.equal(fuseGenderVotes({ faceres: 0.933, faceresDeep: 0.988, grayscale: 0.972 }, { bucket: 'elderly' })!.confidence, UNCERTAIN_AGE_GENDER_CAP);
  assert.ok(fuseGenderVotes({ faceres: 0.97, grayscale: 0.95 }, { bucket: 'adult' })!.confidence > 0.9);
  assert.ok(fuseGenderVotes({ faceres: 0.97, grayscale: 0.95 }, { bucket: 'elderly', uncertainAges: [] })!.confidence > 0.9);
});

test('non-finite or out-of-range probabilities are ignored; none left gives no estimate', () => {
  assert.equal(fuseGenderVotes({ faceres: Number.NaN }), undefined);
  assert.equal(fuseGenderVotes({}), undefined);
  assert.deepEqual(fuseGenderVotes({ faceres: 0.9, grayscale: Number.POSITIVE_INFINITY })!.votes, { faceres: 0.9 });
});
