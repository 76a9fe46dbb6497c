import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ageBucketOf, DISAGREEING_AGE_CAP, fuseAge, yearsFromAgeBins } from '../../src/analyse/age.js';

const bins = (peak: number, neighbour?: { at: number; p: number }) => {
  const b = new Float32Array(100);
  b[peak] = 0.6;
  if (neighbour) b[neighbour.at] = neighbour.p;
  return b;
};

test('age bins: the top bin, refined toward its stronger neighbour; bin 0 is an infant, not "no age"', () => {
  assert.equal(yearsFromAgeBins(bins(30)), 30);
  assert.equal(yearsFromAgeBins(bins(30, { at: 31, p: 0.2 })), 32);
  assert.equal(yearsFromAgeBins(bins(30, { at: 29, p: 0.2 })), 28);
  assert.equal(yearsFromAgeBins(bins(0)), 0);
  assert.ok(Number.isNaN(yearsFromAgeBins([])));
});

test('buckets at their edges', () => {
  assert.deepEqual([12.9, 13, 19.9, 20, 64.9, 65].map(ageBucketOf), ['child', 'teen', 'teen', 'adult', 'adult', 'elderly']);
});

test('fuseAge: faceres-deep decides when present, faceres otherwise; both kept as votes', () => {
  // A dark-skinned girl faceres put at 22.7 and faceres-deep at 8.5 (labelled 3–9): deep's bucket, confidence capped.
  const girl = fuseAge(22.7, 8.5)!;
  assert.equal(girl.value.bucket, 'child');
  assert.equal(girl.value.years, 8.5);
  assert.ok(girl.confidence <= DISAGREEING_AGE_CAP);
  assert.deepEqual(girl.votes, { faceres: 22.7, faceresDeep: 8.5 });
  // Agreeing buckets keep the distance-from-edge confidence.
  assert.equal(fuseAge(40, 42)!.confidence, 0.9);
  assert.equal(fuseAge(40, undefined)!.value.years, 40);
  assert.equal(fuseAge(undefined, 70)!.value.bucket, 'elderly');
  assert.equal(fuseAge(undefined, undefined), undefined);
  assert.equal(fuseAge(Number.NaN, Number.NaN), undefined);
});
