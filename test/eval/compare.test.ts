import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRgbImage, type RgbImage } from '../../src/core/raster.js';
import { emptyAnalysis, type Keypoint, type PersonAnalysis, type SceneAnalysis } from '../../src/core/types.js';
import { compareImages } from '../../src/eval/compare.js';

const W = 200;
const H = 160;
const PARTS = ['nose', 'leftEye', 'rightEye', 'leftShoulder', 'rightShoulder', 'leftElbow', 'rightElbow'];

function person(x: number, embedding: number[]): PersonAnalysis & { face: { embedding: number[] } } {
  const pose: Keypoint[] = PARTS.map((part, i) => ({ part, position: { x: x + 10 + (i % 3) * 10, y: 30 + i * 12 }, score: 0.9 }));
  return {
    box: { x, y: 10, width: 60, height: 140 },
    face: { box: { x: x + 10, y: 15, width: 40, height: 50 }, score: 0.9, embedding },
    pose,
  };
}

function scene(people: PersonAnalysis[]): SceneAnalysis {
  return { ...emptyAnalysis(W, H), people, peopleCount: people.length };
}

/** Two skin-coloured faces on a background, with a dark stripe for edges. */
function photo(skin: [number, number, number]): RgbImage {
  const image = createRgbImage(W, H, [40, 120, 60]);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const inFace = y >= 15 && y < 65 && ((x >= 30 && x < 70) || (x >= 130 && x < 170));
      if (inFace) image.data.set(skin, (y * W + x) * 3);
      if (x >= 95 && x < 105) image.data.set([230, 230, 230], (y * W + x) * 3);
    }
  }
  return image;
}

const e1 = Array.from({ length: 32 }, (_, i) => Math.sin(i + 1));
const e2 = Array.from({ length: 32 }, (_, i) => Math.cos(3 * i));
const input = scene([person(20, e1), person(120, e2)]);

test('an image compared with itself scores perfectly', () => {
  const image = photo([170, 120, 95]);
  const c = compareImages(image, input, image, input);
  assert.deepEqual(c.faces, { input: 2, found: 2, extra: 0 });
  assert.deepEqual(c.oks, [1, 1]);
  assert.ok(c.likeness.every((v) => Math.abs(v - 1) < 1e-12));
  assert.deepEqual(c.likenessHuman, [1, 1]);
  assert.equal(c.descriptors, true);
  assert.equal(c.skin.length, 2);
  for (const s of c.skin) {
    assert.equal(s.deltaE, 0);
    assert.equal(s.itaShift, 0);
  }
  assert.equal(c.linePresence, 0);
});

test('a lighter, face-less output: lower recall, OKS 0 for the lost person, positive ITA shift', () => {
  const output = scene([person(120, e2.map((v) => v * 0.9))]);
  const c = compareImages(photo([120, 80, 60]), input, photo([180, 140, 120]), output);
  assert.deepEqual(c.faces, { input: 2, found: 1, extra: 0 });
  assert.deepEqual(c.oks, [0, 1]);
  assert.equal(c.likeness.length, 1);
  assert.ok(c.likeness[0] > 0.99);
  assert.ok(c.skin.every((s) => s.itaShift > 0 && s.deltaE > 5));
});

test('descriptors missing from the analysis are reported, not guessed', () => {
  const bare = scene(input.people.map((p) => ({ ...p, face: { box: p.face!.box, score: 0.9 } })));
  const c = compareImages(photo([150, 100, 80]), bare, photo([150, 100, 80]), bare);
  assert.equal(c.descriptors, false);
  assert.equal(c.likeness.length, 0);
  assert.throws(() => compareImages(photo([1, 1, 1]), bare, createRgbImage(10, 10), bare));
});

test('colourless faces are flagged so ITA figures leave them out', () => {
  const grey = compareImages(photo([128, 128, 128]), input, photo([150, 110, 90]), input);
  assert.ok(grey.skin.every((s) => s.monochrome === 'input'));
  const ink = compareImages(photo([150, 110, 90]), input, photo([235, 235, 235]), input);
  assert.ok(ink.skin.every((s) => s.monochrome === 'output' && s.deltaE > 10));
  const colour = compareImages(photo([150, 110, 90]), input, photo([160, 115, 95]), input);
  assert.ok(colour.skin.every((s) => s.monochrome === undefined));
});
