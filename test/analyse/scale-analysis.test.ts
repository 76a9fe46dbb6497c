import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMask } from '../../src/core/raster.js';
import { emptyAnalysis, type SceneAnalysis } from '../../src/core/types.js';
import { scaleAnalysis } from '../../src/analyse/scale-analysis.js';

test('every coordinate and mask is mapped to the new size; the same size returns the same object', () => {
  const mask = createMask(4, 2);
  mask.data[1] = 255; // (1,0)
  const analysis: SceneAnalysis = {
    ...emptyAnalysis(4, 2),
    people: [
      {
        box: { x: 1, y: 1, width: 2, height: 1 },
        face: {
          box: { x: 2, y: 0, width: 1, height: 1 },
          score: 0.9,
          landmarks: { faceOval: [{ x: 1, y: 1 }], leftEye: [], rightEye: [], leftEyebrow: [], rightEyebrow: [], nose: [], lips: [], leftIris: { x: 2, y: 1 }, irisRadius: 1 },
        },
        pose: [{ part: 'nose', position: { x: 3, y: 1 }, score: 1 }],
        mask,
      },
    ],
    peopleCount: 1,
    pets: [{ label: 'cat', score: 1, box: { x: 0, y: 0, width: 1, height: 1 } }],
    personMask: mask,
  };
  const scaled = scaleAnalysis(analysis, 8, 4);
  assert.equal(scaleAnalysis(analysis, 4, 2), analysis);
  assert.deepEqual([scaled.width, scaled.height], [8, 4]);
  assert.deepEqual(scaled.people[0].box, { x: 2, y: 2, width: 4, height: 2 });
  assert.deepEqual(scaled.people[0].face!.box, { x: 4, y: 0, width: 2, height: 2 });
  assert.deepEqual(scaled.people[0].face!.landmarks!.faceOval, [{ x: 2, y: 2 }]);
  assert.deepEqual(scaled.people[0].face!.landmarks!.leftIris, { x: 4, y: 2 });
  assert.equal(scaled.people[0].face!.landmarks!.irisRadius, 2);
  assert.deepEqual(scaled.people[0].pose![0].position, { x: 6, y: 2 });
  assert.deepEqual(scaled.pets[0].box, { x: 0, y: 0, width: 2, height: 2 });
  assert.equal(scaled.personMask!.width, 8);
  assert.ok(scaled.personMask!.data[2] > 127 && scaled.personMask!.data[6] < 128, 'mask pixel (1,0) lands at x≈2..3, not elsewhere');
  assert.equal(scaled.people[0].mask!.data.length, 32);
});
