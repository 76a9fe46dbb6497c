import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MOVENET_PARTS, parseMultipose } from '../../src/analyse/multipose.js';

/** One MoveNet MultiPose row: every keypoint at (y, x) with a score, then the box and the person score. */
function row(y: number, x: number, score: number, box: [number, number, number, number]): number[] {
  const out: number[] = [];
  for (let i = 0; i < 17; i++) out.push(y, x, 0.8);
  out.push(...box, score);
  return out;
}

test('multipose rows become bodies in photo pixels, undoing the square padding', () => {
  // A 200×100 photo centred in a 200×200 square: 50 px of padding above it.
  const frame = { side: 200, left: 0, top: 50 };
  const values = [...row(0.5, 0.25, 0.9, [0.3, 0.1, 0.7, 0.4]), ...row(0.4, 0.75, 0.6, [0.3, 0.6, 0.7, 0.9]), ...row(0, 0, 0.1, [0, 0, 0, 0])];
  const bodies = parseMultipose(values, frame, 0.35);
  assert.equal(bodies.length, 2, 'the 0.1 row is below the threshold');
  assert.equal(bodies[0].score, 0.9);
  assert.equal(bodies[0].keypoints.length, MOVENET_PARTS.length);
  assert.equal(bodies[0].keypoints[0].part, 'nose');
  assert.deepEqual(bodies[0].keypoints[0].position, { x: 50, y: 50 });
  assert.deepEqual(bodies[0].box, { x: 20, y: 10, width: 60, height: 80 });
  assert.deepEqual(bodies[1].keypoints[16].position, { x: 150, y: 30 });
});

test('bodies come back best first, and a NaN score is dropped', () => {
  const frame = { side: 100, left: 0, top: 0 };
  const values = [...row(0.5, 0.5, 0.5, [0, 0, 1, 1]), ...row(0.5, 0.5, 0.8, [0, 0, 1, 1]), ...row(0.5, 0.5, Number.NaN, [0, 0, 1, 1])];
  assert.deepEqual(parseMultipose(values, frame, 0.2).map((b) => b.score), [0.8, 0.5]);
});
