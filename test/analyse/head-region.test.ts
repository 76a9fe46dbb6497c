import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headRegionOf } from '../../src/analyse/analyser.js';
import { boxContains } from '../../src/analyse/geometry.js';
import type { Keypoint } from '../../src/core/types.js';

const size = { width: 640, height: 480 };
const k = (part: string, x: number, y: number, score = 0.8): Keypoint => ({ part, position: { x, y }, score });

test('head square: around the pose head keypoints, sized from the shoulders, inside the photo', () => {
  const person = { x: 100, y: 100, width: 80, height: 300 };
  const pose = [k('nose', 140, 130), k('leftEye', 135, 125), k('rightEye', 145, 125), k('leftShoulder', 115, 170), k('rightShoulder', 165, 170)];
  const r = headRegionOf(person, pose, size);
  assert.equal(r.width, r.height);
  assert.ok(boxContains(r, { x: 140, y: 128 }), JSON.stringify(r));
  // A head is about half the shoulder span (50 px); the square leaves room around it but stays head-sized.
  assert.ok(r.width >= 50 && r.width <= 120, String(r.width));
});

test('head square without a pose: the top of the person box', () => {
  const r = headRegionOf({ x: 300, y: 50, width: 90, height: 260 }, undefined, size);
  assert.ok(r.y >= 0 && r.y < 80, JSON.stringify(r));
  assert.ok(boxContains(r, { x: 345, y: 80 }));
  // Low-scoring keypoints are ignored.
  const weak = headRegionOf({ x: 300, y: 50, width: 90, height: 260 }, [k('nose', 345, 300, 0.1)], size);
  assert.deepEqual(weak, r);
});

test('head square at the border is shifted inside the photo, never cut', () => {
  const r = headRegionOf({ x: 600, y: 0, width: 60, height: 200 }, [k('nose', 635, 5)], size);
  assert.ok(r.x >= 0 && r.y >= 0 && r.x + r.width <= size.width && r.y + r.height <= size.height, JSON.stringify(r));
});
