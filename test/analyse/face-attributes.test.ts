import { test } from 'node:test';
import assert from 'node:assert/strict';
import { faceresIsDecisive } from '../../src/analyse/face-attributes.js';

test('faceres-deep is skipped only when faceres and the grayscale CNN settle age bucket and gender', () => {
  // A clear adult man: 40 years (8+ from any edge), both models sure.
  assert.equal(faceresIsDecisive({ pMale: 0.97, years: 40 }, 0.95), true);
  // Near an edge (faceres put a dark-skinned girl at 22.7): deep is worth its cost.
  assert.equal(faceresIsDecisive({ pMale: 0.97, years: 22.7 }, 0.95), false);
  // Gender open: the models disagree, or only one model ran and is not sure.
  assert.equal(faceresIsDecisive({ pMale: 0.9, years: 40 }, 0.2), false);
  assert.equal(faceresIsDecisive({ pMale: 0.8, years: 40 }, undefined), false);
  // Elderly gender is never named, so it is never settled: deep runs (for the age).
  assert.equal(faceresIsDecisive({ pMale: 0.99, years: 75 }, 0.99), false);
  // A small child both models call a girl with certainty is settled; one they split on is not.
  assert.equal(faceresIsDecisive({ pMale: 0.01, years: 3 }, 0.01), true);
  assert.equal(faceresIsDecisive({ pMale: 0.1, years: 3 }, 0.8), false);
});
