/**
 * Synthetic test scenes for the stylizer: a portrait with a face-like patch of a chosen skin colour
 * (with landmarks, so face features run) and a landscape with sky. Deterministic, no files.
 */
import type { RgbImage } from '../../src/core/raster.js';
import { emptyAnalysis, type FaceLandmarks, type Point, type SceneAnalysis } from '../../src/core/types.js';
import { mulberry32 } from '../../src/stylize/ops/noise.js';

export function ellipse(cx: number, cy: number, rx: number, ry: number, count = 24): Point[] {
  const out: Point[] = [];
  for (let k = 0; k < count; k++) {
    const t = (k / count) * Math.PI * 2;
    out.push({ x: cx + Math.cos(t) * rx, y: cy + Math.sin(t) * ry });
  }
  return out;
}

function inEllipse(x: number, y: number, cx: number, cy: number, rx: number, ry: number): boolean {
  const dx = (x - cx) / rx;
  const dy = (y - cy) / ry;
  return dx * dx + dy * dy <= 1;
}

export interface Portrait {
  image: RgbImage;
  analysis: SceneAnalysis;
  landmarks: FaceLandmarks;
}

/**
 * 240x300 portrait: textured warm wall, dark hair, a shaded face of `skin` sRGB, eyes, brows, lips,
 * a blue shirt. Faces carry landmarks unless `withLandmarks` is false.
 */
export function portrait(skin: readonly [number, number, number], withLandmarks = true): Portrait {
  const width = 240;
  const height = 300;
  const data = new Uint8Array(width * height * 3);
  const rand = mulberry32(7);
  const cx = 120;
  const cy = 130;
  const rx = 52;
  const ry = 66;
  const eyeY = cy - 8;
  const eyes = [cx - 22, cx + 22];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const noise = (rand() - 0.5) * 10;
      let c: [number, number, number] = [200 - y * 0.15, 185 - y * 0.12, 160 - y * 0.1];
      if (y > 215 && Math.abs(x - cx) < 100 - (300 - y) * 0.2) c = [40, 70, 150];
      if (inEllipse(x, y, cx, cy + 95, 22, 40)) c = [skin[0] * 0.9, skin[1] * 0.9, skin[2] * 0.9];
      if (inEllipse(x, y, cx, cy - 12, rx + 10, ry + 6) && y < cy - 20) c = [40, 28, 22];
      if (inEllipse(x, y, cx, cy, rx, ry) && !(y < cy - 40 && !inEllipse(x, y, cx, cy + 8, rx, ry))) {
        // Side light: the right half a little darker, as real faces are.
        const shade = 1 - Math.max(0, (x - cx) / rx) * 0.18;
        c = [skin[0] * shade, skin[1] * shade, skin[2] * shade];
      }
      for (const ex of eyes) {
        if (inEllipse(x, y, ex, eyeY, 10, 5)) c = [235, 235, 230];
        if (inEllipse(x, y, ex, eyeY, 4.5, 4.5)) c = [60, 40, 30];
        if (inEllipse(x, y, ex, eyeY - 12, 11, 2.5)) c = [45, 32, 25];
      }
      if (inEllipse(x, y, cx, cy + 34, 15, 5)) c = [skin[0] * 0.75 + 40, skin[1] * 0.6, skin[2] * 0.6];
      const o = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) data[o + k] = Math.max(0, Math.min(255, Math.round(c[k] + noise)));
    }
  }
  const landmarks: FaceLandmarks = {
    faceOval: ellipse(cx, cy, rx, ry, 36),
    leftEye: ellipse(eyes[0], eyeY, 10, 5, 16),
    rightEye: ellipse(eyes[1], eyeY, 10, 5, 16),
    leftEyebrow: ellipse(eyes[0], eyeY - 12, 11, 2.5, 10),
    rightEyebrow: ellipse(eyes[1], eyeY - 12, 11, 2.5, 10),
    nose: [
      { x: cx, y: eyeY + 4 },
      { x: cx, y: eyeY + 14 },
      { x: cx + 1, y: eyeY + 24 },
    ],
    lips: ellipse(cx, cy + 34, 15, 5, 20),
    leftIris: { x: eyes[0], y: eyeY },
    rightIris: { x: eyes[1], y: eyeY },
  };
  const analysis = emptyAnalysis(width, height);
  analysis.people = [
    {
      box: { x: 20, y: 50, width: 200, height: 250 },
      face: { box: { x: cx - rx, y: cy - ry, width: rx * 2, height: ry * 2 }, score: 0.99, ...(withLandmarks ? { landmarks } : {}) },
    },
  ];
  analysis.peopleCount = 1;
  analysis.sceneType = { value: 'single-person', confidence: 0.9 };
  return { image: { width, height, data }, analysis, landmarks };
}

/** 256x160 landscape: clear blue gradient sky on top with one cloud, textured green hills below. */
export function landscape(): RgbImage {
  const width = 256;
  const height = 160;
  const data = new Uint8Array(width * height * 3);
  const rand = mulberry32(3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const horizon = 80 + Math.sin(x / 30) * 10;
      let c: [number, number, number];
      if (y < horizon) {
        const t = y / horizon;
        c = [70 + 110 * t, 130 + 80 * t, 225 + 20 * t];
        if (inEllipse(x, y, 170, 30, 30, 10)) c = [245, 246, 248];
      } else {
        const n = (rand() - 0.5) * 60;
        c = [60 + n, 130 + n, 50 + n * 0.5];
      }
      const o = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) data[o + k] = Math.max(0, Math.min(255, Math.round(c[k] + (rand() - 0.5) * 3)));
    }
  }
  return { width, height, data };
}
