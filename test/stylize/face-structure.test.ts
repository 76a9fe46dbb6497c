/**
 * What a face keeps through the stylizer: glasses frames, the lit tone of pale skin, and the few
 * pixels that make a small face a face. Synthetic scenes (no files, no models), so each property is
 * measured on pixels whose meaning is known.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RgbImage } from '../../src/core/raster.js';
import { EMBEDDED_STYLES, emptyAnalysis, type FaceLandmarks, type Point, type SceneAnalysis } from '../../src/core/types.js';
import { createEmbeddedStylizer } from '../../src/stylize/index.js';
import { type LabImage, rgbToLab } from '../../src/stylize/ops/color.js';
import { fillPolygon, scalePolygon } from '../../src/stylize/ops/draw.js';
import { portrait, type Portrait } from './synthetic.js';

const stylizer = createEmbeddedStylizer({ yieldBetweenSteps: false });

// The synthetic portrait's geometry (see synthetic.ts): face centre, eye centres and eye line.
const CX = 120;
const EYE_Y = 122;
const EYES = [CX - 22, CX + 22];

/** A glasses lens rim around each eye: an ellipse ring `thick` px wide; returns its pixel indices. */
function rimPixels(width: number, ex: number, which: 'all' | 'lower'): number[] {
  const out: number[] = [];
  const rx = 17;
  const ry = 13;
  for (let y = EYE_Y - ry - 3; y <= EYE_Y + ry + 3; y++) {
    for (let x = ex - rx - 3; x <= ex + rx + 3; x++) {
      const d = Math.hypot((x + 0.5 - ex) / rx, (y + 0.5 - EYE_Y) / ry);
      if (d < 0.93 || d > 1.08) continue;
      if (which === 'lower' && y < EYE_Y + 8) continue;
      out.push(y * width + x);
    }
  }
  return out;
}

/** The portrait with dark glasses frames drawn over it (two rims and a bridge); no analysis flag. */
function withGlasses(base: Portrait): { image: RgbImage; rims: number[]; lower: number[] } {
  const { width } = base.image;
  const data = base.image.data.slice();
  const rims: number[] = [];
  const lower: number[] = [];
  for (const ex of EYES) {
    rims.push(...rimPixels(width, ex, 'all'));
    lower.push(...rimPixels(width, ex, 'lower'));
  }
  const bridge: number[] = [];
  for (let y = EYE_Y - 5; y <= EYE_Y - 3; y++) for (let x = CX - 6; x <= CX + 6; x++) bridge.push(y * width + x);
  for (const i of [...rims, ...bridge]) {
    data[i * 3] = 38;
    data[i * 3 + 1] = 32;
    data[i * 3 + 2] = 30;
  }
  return { image: { width, height: base.image.height, data }, rims, lower };
}

const meanL = (lab: LabImage, idx: readonly number[]): number => idx.reduce((s, i) => s + lab.l[i], 0) / idx.length;

/** Face skin pixels: the oval minus grown features and minus the glasses band, by lightness. */
function skinPixels(lm: FaceLandmarks, width: number, height: number): number[] {
  const n = width * height;
  const oval = new Float32Array(n);
  fillPolygon(oval, width, height, scalePolygon(lm.faceOval, 0.92));
  const cut = new Float32Array(n);
  for (const poly of [lm.leftEye, lm.rightEye, lm.leftEyebrow, lm.rightEyebrow, lm.lips]) fillPolygon(cut, width, height, scalePolygon(poly, 1.5));
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (oval[i] > 0.99 && cut[i] === 0) out.push(i);
  return out;
}

test('glasses frames stay dark lines in every style, with no glasses flag in the analysis', async () => {
  const base = portrait([236, 200, 180]);
  const { image, rims, lower } = withGlasses(base);
  const skinL = meanL(rgbToLab(base.image), skinPixels(base.landmarks, image.width, image.height));
  for (const style of EMBEDDED_STYLES) {
    const out = rgbToLab(await stylizer.stylize({ image, analysis: base.analysis, style, seed: 3 }));
    const plain = rgbToLab(await stylizer.stylize({ image: base.image, analysis: base.analysis, style, seed: 3 }));
    const rim = meanL(out, rims);
    const low = meanL(out, lower);
    // The lower rims cross the cheeks, where the skin repaint and the face's line cleanup work.
    assert.ok(rim < skinL - 40, `${style}: frames should stay dark (rim L ${rim.toFixed(1)}, skin L ${skinL.toFixed(1)})`);
    assert.ok(low < skinL - 35, `${style}: lower rims should stay dark (L ${low.toFixed(1)}, skin L ${skinL.toFixed(1)})`);
    // Without glasses the same pixels are skin: nothing invents a frame.
    const bare = meanL(plain, lower);
    assert.ok(bare > low + 10, `${style}: no frame without glasses (bare ${bare.toFixed(1)} vs framed ${low.toFixed(1)})`);
  }
});

/** Mean L, a, b of the brightest quarter of `idx` (the lit skin a viewer reads as the skin's colour). */
function litTone(lab: LabImage, idx: readonly number[]): [number, number, number] {
  const sorted = [...idx].sort((p, q) => lab.l[q] - lab.l[p]).slice(0, Math.max(1, Math.floor(idx.length / 4)));
  const m: [number, number, number] = [0, 0, 0];
  for (const i of sorted) {
    m[0] += lab.l[i];
    m[1] += lab.a[i];
    m[2] += lab.b[i];
  }
  return [m[0] / sorted.length, m[1] / sorted.length, m[2] / sorted.length];
}

const hue = (a: number, b: number): number => (Math.atan2(b, a) * 180) / Math.PI;

for (const [name, skin] of [
  ['pale', [240, 206, 190]],
  ['dark', [110, 72, 52]],
] as const) {
  test(`soft-watercolor keeps ${name} skin's lit tone: as light, no more saturated, same hue`, async () => {
    const { image, analysis, landmarks } = portrait(skin);
    const idx = skinPixels(landmarks, image.width, image.height);
    const before = litTone(rgbToLab(image), idx);
    const after = litTone(rgbToLab(await stylizer.stylize({ image, analysis, style: 'soft-watercolor', seed: 2 })), idx);
    // A flat fill at the face's mean colour makes the lit skin darker and more saturated than in the
    // photo, which reads as a tan/orange face on pale skin even when the mean is unchanged.
    assert.ok(after[0] > before[0] - 0.6, `lit L ${after[0].toFixed(1)} vs photo ${before[0].toFixed(1)}`);
    const cIn = Math.hypot(before[1], before[2]);
    const cOut = Math.hypot(after[1], after[2]);
    assert.ok(cOut < cIn + 1, `lit chroma ${cOut.toFixed(1)} vs photo ${cIn.toFixed(1)}`);
    assert.ok(Math.abs(hue(after[1], after[2]) - hue(before[1], before[2])) < 2, `lit hue ${hue(after[1], after[2]).toFixed(1)}° vs ${hue(before[1], before[2]).toFixed(1)}°`);
  });
}

/** The portrait shrunk 3x (face ~35 px wide) into a wider textured scene, with scaled landmarks. */
function smallFaceScene(): { image: RgbImage; analysis: SceneAnalysis; eyes: number[]; face: number[] } {
  const big = portrait([210, 160, 130]);
  const f = 3;
  const sw = Math.floor(big.image.width / f);
  const sh = Math.floor(big.image.height / f);
  const width = 240;
  const height = 160;
  const ox = 90;
  const oy = 40;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = 150 + ((x * 7 + y * 3) % 11);
      data[o + 1] = 160 + ((x * 5 + y * 7) % 9);
      data[o + 2] = 140;
    }
  }
  for (let y = 0; y < sh && oy + y < height; y++) {
    for (let x = 0; x < sw && ox + x < width; x++) {
      for (let k = 0; k < 3; k++) {
        let s = 0;
        for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) s += big.image.data[((y * f + dy) * big.image.width + x * f + dx) * 3 + k];
        data[((oy + y) * width + ox + x) * 3 + k] = Math.round(s / (f * f));
      }
    }
  }
  const move = (p: Point): Point => ({ x: ox + p.x / f, y: oy + p.y / f });
  const lm = big.landmarks;
  const landmarks: FaceLandmarks = {
    faceOval: lm.faceOval.map(move),
    leftEye: lm.leftEye.map(move),
    rightEye: lm.rightEye.map(move),
    leftEyebrow: lm.leftEyebrow.map(move),
    rightEyebrow: lm.rightEyebrow.map(move),
    nose: lm.nose.map(move),
    lips: lm.lips.map(move),
    ...(lm.leftIris ? { leftIris: move(lm.leftIris) } : {}),
    ...(lm.rightIris ? { rightIris: move(lm.rightIris) } : {}),
  };
  const box = big.analysis.people[0].face!.box;
  const analysis = emptyAnalysis(width, height);
  analysis.people = [
    {
      box: { x: ox + 20 / f, y: oy + 50 / f, width: 200 / f, height: 250 / f },
      face: { box: { x: ox + box.x / f, y: oy + box.y / f, width: box.width / f, height: box.height / f }, score: 0.9, landmarks },
    },
  ];
  analysis.peopleCount = 1;
  const region = (polys: Point[][], grow: number): number[] => {
    const m = new Float32Array(width * height);
    for (const p of polys) fillPolygon(m, width, height, scalePolygon(p, grow));
    const out: number[] = [];
    for (let i = 0; i < m.length; i++) if (m[i] > 0.5) out.push(i);
    return out;
  };
  return {
    image: { width, height, data },
    analysis,
    eyes: region([landmarks.leftEye, landmarks.rightEye, landmarks.leftEyebrow, landmarks.rightEyebrow], 1.6),
    face: region([landmarks.faceOval], 1),
  };
}

function correlation(a: LabImage, b: LabImage, idx: readonly number[]): number {
  let ma = 0;
  let mb = 0;
  for (const i of idx) {
    ma += a.l[i];
    mb += b.l[i];
  }
  ma /= idx.length;
  mb /= idx.length;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (const i of idx) {
    sab += (a.l[i] - ma) * (b.l[i] - mb);
    saa += (a.l[i] - ma) ** 2;
    sbb += (b.l[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

const spread = (lab: LabImage, idx: readonly number[]): number => {
  const m = meanL(lab, idx);
  return Math.sqrt(idx.reduce((s, i) => s + (lab.l[i] - m) ** 2, 0) / idx.length);
};

test('a small face keeps its eye-region contrast and its photo structure in every style', async () => {
  const { image, analysis, eyes, face } = smallFaceScene();
  const photo = rgbToLab(image);
  for (const style of EMBEDDED_STYLES) {
    const out = rgbToLab(await stylizer.stylize({ image, analysis, style, seed: 9 }));
    const contrast = spread(out, eyes) / spread(photo, eyes);
    assert.ok(contrast > 0.7, `${style}: eye-region contrast kept ${contrast.toFixed(2)}x`);
    const r = correlation(photo, out, face);
    assert.ok(r > 0.85, `${style}: face structure correlation ${r.toFixed(3)}`);
  }
});
