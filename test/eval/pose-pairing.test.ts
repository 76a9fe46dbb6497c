/**
 * Pose agreement measured on where the keypoints are, not on whether the analyser's people-assembly
 * heuristics fired. Constructed cases of the bug the corpus showed (2026-11-25): the pose model finds a
 * person's body in the output at the same place, but the analyser drops it (its face was not found
 * and no person box holds it) or hangs it on another person entry, and the old pairing scored 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRgbImage } from '../../src/core/raster.js';
import { emptyAnalysis, type Keypoint, type PersonAnalysis, type SceneAnalysis } from '../../src/core/types.js';
import { compareImages, poseAgreement } from '../../src/eval/compare.js';

const W = 300;
const H = 200;
const PARTS = ['nose', 'leftEye', 'rightEye', 'leftShoulder', 'rightShoulder', 'leftElbow', 'rightElbow', 'leftHip', 'rightHip'];

function pose(x: number, dx = 0, score = 0.9): Keypoint[] {
  return PARTS.map((part, i) => ({ part, position: { x: x + 10 + (i % 3) * 12 + dx, y: 30 + i * 15 }, score }));
}

function person(x: number, withFace = true, withPose = true): PersonAnalysis {
  return {
    box: { x, y: 10, width: 60, height: 170 },
    ...(withFace ? { face: { box: { x: x + 10, y: 15, width: 40, height: 45 }, score: 0.9 } } : {}),
    ...(withPose ? { pose: pose(x) } : {}),
  };
}

function scene(people: PersonAnalysis[]): SceneAnalysis {
  return { ...emptyAnalysis(W, H), people, peopleCount: people.length };
}

const image = createRgbImage(W, H, [90, 110, 100]);
const input = scene([person(20), person(120), person(220)]);

test('a body the pose model found but the analyser made no person of: old metric 0, new metric counts it', () => {
  // Person 2's face was lost in the output, and no person box holds the body: the analyser drops the pose.
  const output = scene([person(20), person(120)]);
  const bodies = [pose(20), pose(120), pose(220)];
  assert.deepEqual(compareImages(image, input, image, output).oks, [1, 1, 0]);
  assert.deepEqual(compareImages(image, input, image, output, { outputBodies: bodies }).oks, [1, 1, 1]);
});

test('a pose hung on another person entry than the face-paired one is still compared', () => {
  // The face-paired output person has no pose; the same body sits on a body-only entry whose box
  // (taken from a person detector) overlaps nobody's well enough for the box rule.
  const output = scene([person(20), { ...person(120), pose: undefined }, person(220), { box: { x: 100, y: 0, width: 200, height: 200 }, pose: pose(120) }]);
  assert.deepEqual(compareImages(image, input, image, output).oks, [1, 0, 1]);
  assert.deepEqual(compareImages(image, input, image, output, { outputBodies: [] }).oks, [1, 1, 1]);
});

test('the new pairing still scores a person who is really gone, or moved, as lost', () => {
  const output = scene([person(20)]);
  // A body somewhere else (another figure) does not stand in for person 1 or 2.
  const c = compareImages(image, input, image, output, { outputBodies: [pose(20), pose(220, 60)] });
  // (COCO OKS of a body 100 px away is not exactly 0, only negligible.)
  assert.equal(c.oks[0], 1);
  assert.ok(c.oks[1] < 0.01, `a body 100 px away scores ${c.oks[1]}`);
  assert.ok(c.oks[2] < 0.01, `a body moved 60 px scores ${c.oks[2]}`);
});

test('one output body serves one input person only, the best-agreeing one', () => {
  // Two input people, one output body right on person 0: person 1 gets nothing.
  const two = scene([person(20), person(120)]);
  assert.deepEqual(poseAgreement(two, [pose(20)]), [1, 0]);
  // Duplicates (the same body from the analysis and from the raw model list) cannot count twice:
  // the second copy only reaches person 1 from 100 px away.
  const [a, b] = poseAgreement(two, [pose(20), pose(20)]);
  assert.equal(a, 1);
  assert.ok(b < 0.01, `duplicate scores ${b}`);
});

test('keypoints under the visibility score are not found, whatever body they come in', () => {
  const scores = poseAgreement(scene([person(20)]), [pose(20, 0, 0.2)]);
  assert.deepEqual(scores, [0]);
  // And an input person whose keypoints are all under it is not counted at all.
  const faint = scene([{ ...person(20), pose: pose(20, 0, 0.2) }, person(120)]);
  assert.deepEqual(poseAgreement(faint, [pose(20), pose(120)]), [1]);
});
