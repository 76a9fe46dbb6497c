import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Box, Keypoint } from '../../src/core/types.js';
import { faceRecall } from '../../src/eval/faces.js';
import { iou, matchBoxes } from '../../src/eval/geometry.js';
import { cosineSimilarity, faceEmbedding, humanSimilarity } from '../../src/eval/likeness.js';
import { COCO_SIGMAS, objectKeypointSimilarity } from '../../src/eval/pose.js';

const PARTS = Object.keys({
  nose: 0, leftEye: 0, rightEye: 0, leftEar: 0, rightEar: 0, leftShoulder: 0, rightShoulder: 0, leftElbow: 0, rightElbow: 0,
  leftWrist: 0, rightWrist: 0, leftHip: 0, rightHip: 0, leftKnee: 0, rightKnee: 0, leftAnkle: 0, rightAnkle: 0,
});

function pose(dx = 0, dy = 0, score = 0.9): Keypoint[] {
  return PARTS.map((part, i) => ({ part, position: { x: 100 + (i % 4) * 20 + dx, y: 50 + i * 15 + dy }, score }));
}

test('every MoveNet part has a COCO sigma', () => {
  assert.equal(Object.keys(COCO_SIGMAS).length, 17);
  for (const part of PARTS) assert.ok(objectKeypointSimilarity([{ part, position: { x: 0, y: 0 }, score: 1 }], [], 100)?.visible === 1);
});

test('OKS of identical poses is 1; a shifted pose is < 1 and falls with the shift', () => {
  const area = 120 * 300;
  const same = objectKeypointSimilarity(pose(), pose(), area);
  assert.ok(same);
  assert.equal(same.oks, 1);
  assert.equal(same.visible, 17);
  const small = objectKeypointSimilarity(pose(), pose(3, 0), area)!.oks;
  const large = objectKeypointSimilarity(pose(), pose(15, 10), area)!.oks;
  assert.ok(small < 1 && large < small && large > 0, `${small} ${large}`);
  // One keypoint moved by d: its term is exp(−d²/(2·area·(2σ)²)), the others stay 1.
  const moved = pose();
  moved[0] = { ...moved[0], position: { x: moved[0].position.x + 6, y: moved[0].position.y } };
  const k = 2 * COCO_SIGMAS.nose;
  const want = (16 + Math.exp(-36 / (2 * area * k * k))) / 17;
  assert.ok(Math.abs(objectKeypointSimilarity(pose(), moved, area)!.oks - want) < 1e-12);
});

test('OKS: a lost keypoint scores 0, an invisible reference keypoint is skipped', () => {
  const area = 10_000;
  const lost = pose().slice(0, 12); // legs gone
  const r = objectKeypointSimilarity(pose(), lost, area)!;
  assert.equal(r.found, 12);
  assert.ok(Math.abs(r.oks - 12 / 17) < 1e-12);
  const reference = pose();
  for (let i = 12; i < 17; i++) reference[i] = { ...reference[i], score: 0.05 };
  assert.equal(objectKeypointSimilarity(reference, lost, area)!.oks, 1);
  assert.equal(objectKeypointSimilarity(pose(0, 0, 0.1), pose(), area), undefined);
  // Part names are matched loosely ('left_shoulder' = 'leftShoulder').
  const snake = pose().map((kp) => ({ ...kp, part: kp.part.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) }));
  assert.equal(objectKeypointSimilarity(pose(), snake, area)!.oks, 1);
});

const faces: Box[] = [
  { x: 10, y: 10, width: 50, height: 60 },
  { x: 100, y: 20, width: 40, height: 50 },
  { x: 200, y: 15, width: 45, height: 55 },
];

test('face recall: identical faces → 1; a removed face lowers it; a moved face does not match', () => {
  const same = faceRecall(faces, faces);
  assert.equal(same.recall, 1);
  assert.equal(same.extra, 0);
  const removed = faceRecall(faces, [faces[0], faces[2]]);
  assert.equal(removed.recall, 2 / 3);
  assert.equal(removed.found, 2);
  const moved = faceRecall(faces, [faces[0], faces[1], { ...faces[2], x: 300 }]);
  assert.equal(moved.recall, 2 / 3);
  assert.equal(moved.extra, 1);
  const slightly = faceRecall(faces, faces.map((b) => ({ ...b, x: b.x + 4, width: b.width + 4 })));
  assert.equal(slightly.recall, 1);
  assert.equal(faceRecall([], faces).recall, undefined);
});

test('box matching is one-to-one and prefers the best overlap', () => {
  assert.equal(iou(faces[0], faces[0]), 1);
  assert.equal(iou(faces[0], faces[1]), 0);
  const a = { x: 0, y: 0, width: 10, height: 10 };
  const near = { x: 1, y: 0, width: 10, height: 10 };
  const far = { x: 4, y: 0, width: 10, height: 10 };
  const m = matchBoxes([a, { x: 3, y: 0, width: 10, height: 10 }], [far, near], 0.3);
  assert.deepEqual(m.map((x) => [x.reference, x.candidate]), [[0, 1], [1, 0]]);
});

test('likeness: identical descriptors → 1, opposite → −1, human similarity falls with distance', () => {
  const a = Array.from({ length: 64 }, (_, i) => Math.sin(i));
  const b = Array.from({ length: 64 }, (_, i) => Math.cos(i * 1.7));
  assert.ok(Math.abs(cosineSimilarity(a, a)! - 1) < 1e-12);
  assert.ok(Math.abs(cosineSimilarity(a, a.map((v) => -v))! + 1) < 1e-12);
  assert.ok(cosineSimilarity(a, b)! < 0.5);
  assert.equal(cosineSimilarity(a, []), undefined);
  assert.equal(humanSimilarity(a, a), 1);
  const near = a.map((v) => v + 0.6); // human clamps everything closer than Σd² = 16 to 1
  assert.ok(humanSimilarity(a, near)! < 1 && humanSimilarity(a, near)! > humanSimilarity(a, b)!);
  assert.deepEqual(faceEmbedding({ embedding: [1, 2] }), [1, 2]);
  assert.equal(faceEmbedding({}), undefined);
  assert.equal(faceEmbedding({ embedding: ['x'] }), undefined);
});
