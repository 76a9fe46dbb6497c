import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRgbImage, type RgbImage } from '../../src/core/raster.js';
import type { FaceLandmarks, Point } from '../../src/core/types.js';
import { deltaE2000, ita, srgbToLab } from '../../src/eval/colour.js';
import { faceSkinColour, faceSkinMask } from '../../src/eval/face-skin.js';
import { ellipsePolygon, fillPolygon } from '../../src/eval/geometry.js';

const W = 120;
const H = 140;

function rect(x: number, y: number, w: number, h: number): Point[] {
  return [{ x, y }, { x: x + w, y }, { x: x + w, y: y + h }, { x, y: y + h }];
}

const landmarks: FaceLandmarks = {
  faceOval: ellipsePolygon(60, 70, 40, 55, 64),
  leftEye: rect(35, 50, 16, 8),
  rightEye: rect(69, 50, 16, 8),
  leftEyebrow: rect(33, 40, 20, 4),
  rightEyebrow: rect(67, 40, 20, 4),
  nose: [{ x: 60, y: 75 }],
  lips: rect(45, 95, 30, 10),
};
const face = { box: { x: 20, y: 15, width: 80, height: 110 }, landmarks };

/** A face: background, skin-coloured oval, black eyes/brows, red lips. */
function drawFace(skin: [number, number, number]): RgbImage {
  const image = createRgbImage(W, H, [30, 90, 200]);
  const paint = (polygon: Point[], colour: [number, number, number]) => {
    const mask = { width: W, height: H, data: new Uint8Array(W * H) };
    fillPolygon(mask, polygon);
    for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) image.data.set(colour, i * 3);
  };
  paint(landmarks.faceOval, skin);
  for (const f of [landmarks.leftEye, landmarks.rightEye, landmarks.leftEyebrow, landmarks.rightEyebrow]) paint(f, [10, 10, 10]);
  paint(landmarks.lips, [200, 30, 40]);
  return image;
}

test('the skin mask is the oval without eyes, brows and lips', () => {
  const mask = faceSkinMask(W, H, face);
  const at = (x: number, y: number) => mask.data[y * W + x];
  assert.equal(at(60, 70), 255); // nose area
  assert.equal(at(43, 54), 0); // left eye
  assert.equal(at(60, 100), 0); // lips
  assert.equal(at(5, 5), 0); // background
  assert.equal(at(30, 85), 255); // cheek
  assert.equal(at(60, 20), 0); // upper forehead: hairline and hats are left out
  assert.equal(at(60, 35), 255); // lower forehead
});

test('mean skin colour is exactly the painted skin, features excluded', () => {
  const skin: [number, number, number] = [180, 130, 100];
  const colour = faceSkinColour(drawFace(skin), face);
  assert.ok(colour);
  assert.equal(colour.region, 'landmarks');
  assert.deepEqual(colour.rgb, skin);
  const want = srgbToLab(...skin);
  assert.ok(deltaE2000(colour.lab, want) < 1e-9);
  assert.ok(Math.abs(colour.ita - ita(want)) < 1e-9);
});

test('identical images: ΔE 0 and ITA shift 0; a known shift gives the known ΔE and ITA shift', () => {
  const before = faceSkinColour(drawFace([120, 80, 60]), face);
  const same = faceSkinColour(drawFace([120, 80, 60]), face);
  const lighter = faceSkinColour(drawFace([200, 160, 140]), face);
  assert.ok(before && same && lighter);
  assert.equal(deltaE2000(before.lab, same.lab), 0);
  assert.equal(same.ita - before.ita, 0);
  const want = deltaE2000(srgbToLab(120, 80, 60), srgbToLab(200, 160, 140));
  assert.ok(Math.abs(deltaE2000(before.lab, lighter.lab) - want) < 1e-9);
  assert.ok(want > 10);
  const shift = lighter.ita - before.ita;
  assert.ok(Math.abs(shift - (ita(srgbToLab(200, 160, 140)) - ita(srgbToLab(120, 80, 60)))) < 1e-9);
  assert.ok(shift > 0, 'lightened skin has a positive shift');
});

test('trimming ignores a thin dark outline drawn over the skin', () => {
  const skin: [number, number, number] = [160, 110, 90];
  const image = drawFace(skin);
  // Ink: a 2 px black ring just inside the oval (well under the 15 % trimmed from the dark end).
  const ring = { width: W, height: H, data: new Uint8Array(W * H) };
  fillPolygon(ring, landmarks.faceOval, 1);
  fillPolygon(ring, ellipsePolygon(60, 70, 38, 53, 64), 0);
  for (let i = 0; i < ring.data.length; i++) if (ring.data[i]) image.data.set([0, 0, 0], i * 3);
  const colour = faceSkinColour(image, face);
  assert.ok(colour);
  assert.ok(deltaE2000(colour.lab, srgbToLab(...skin)) < 1e-9);
  const untrimmed = faceSkinColour(image, face, { trim: 0 });
  assert.ok(untrimmed && deltaE2000(untrimmed.lab, srgbToLab(...skin)) > 1);
});

test('without landmarks the box centre is measured', () => {
  const skin: [number, number, number] = [90, 60, 45];
  const colour = faceSkinColour(drawFace(skin), { box: face.box });
  assert.ok(colour);
  assert.equal(colour.region, 'box');
  assert.ok(deltaE2000(colour.lab, srgbToLab(...skin)) < 1e-9);
});
