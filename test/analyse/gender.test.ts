import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DISAGREEING_GENDER_CAP, fuseGender, UNCERTAIN_AGE_GENDER_CAP } from '../../src/analyse/gender.js';

test('one model: its own probability, capped at 0.99', () => {
  assert.deepEqual(fuseGender(0.2, undefined), { value: 'female', confidence: 0.8 });
  assert.deepEqual(fuseGender(0.9999, undefined), { value: 'male', confidence: 0.99 });
});

test('two agreeing models add their evidence (log-odds), so two 0.7s make a surer answer', () => {
  const fused = fuseGender(0.7, 0.7)!;
  assert.equal(fused.value, 'male');
  // logit(0.7) × 2 → p = 0.49/(0.49 + 0.09) ≈ 0.845
  assert.ok(Math.abs(fused.confidence - 0.845) < 0.001, String(fused.confidence));
  assert.equal(fuseGender(0.3, 0.1)!.value, 'female');
  assert.ok(fuseGender(0.3, 0.1)!.confidence > 0.9);
});

test('disagreeing models never sound sure, even when one is very confident', () => {
  // faceres read a dark-skinned toddler girl "male 0.91"; the grayscale CNN said female (0.14).
  const fused = fuseGender(0.91, 0.14)!;
  assert.ok(fused.confidence <= DISAGREEING_GENDER_CAP);
  assert.ok(fuseGender(0.999, 0.45)!.confidence <= DISAGREEING_GENDER_CAP);
  assert.ok(fuseGender(0.999, 0.45)!.confidence < 0.7, 'below the describer threshold');
});

test('uncertain age bands are capped below the describer threshold; others are not', () => {
  assert.equal(fuseGender(0.97, 0.95, { bucket: 'elderly' })!.confidence, UNCERTAIN_AGE_GENDER_CAP);
  assert.equal(fuseGender(0.03, 0.05, { bucket: 'child' })!.confidence, UNCERTAIN_AGE_GENDER_CAP);
  assert.ok(fuseGender(0.97, 0.95, { bucket: 'adult' })!.confidence > 0.9);
  // The bands are configurable: none means every age is answered on the models' evidence.
  assert.ok(fuseGender(0.97, 0.95, { bucket: 'elderly', uncertainAges: [] })!.confidence > 0.9);
});

test('non-finite probabilities give no estimate', () => {
  assert.equal(fuseGender(Number.NaN, 0.5), undefined);
  assert.equal(fuseGender(0.5, Number.POSITIVE_INFINITY), undefined);
});
