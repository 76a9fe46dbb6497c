/**
 * Person masks without a model, and helpers to split or constrain a model's mask. Portable.
 * The approximate mask is a head ellipse from the face box plus a torso/limb shape from pose keypoints
 * (or a shoulders trapezoid under the face when there is no pose): rough, but it marks where a person is.
 */
import { createMask, type Mask } from '../core/raster.js';
import type { Box, Keypoint, PersonAnalysis, Point } from '../core/types.js';
import { boxCentre, fillEllipse, fillPolygon } from './geometry.js';

const MIN_SCORE = 0.3;

function maxInto(target: Uint8Array, source: Uint8Array): void {
  for (let i = 0; i < target.length; i++) if (source[i] > target[i]) target[i] = source[i];
}

function thickSegment(a: Point, b: Point, halfWidth: number): Point[] {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  const nx = (-dy / len) * halfWidth;
  const ny = (dx / len) * halfWidth;
  return [
    { x: a.x + nx, y: a.y + ny },
    { x: b.x + nx, y: b.y + ny },
    { x: b.x - nx, y: b.y - ny },
    { x: a.x - nx, y: a.y - ny },
  ];
}

function drawPerson(mask: Mask, person: PersonAnalysis): void {
  const { width, height } = mask;
  const scratch = new Uint8Array(width * height);
  const face = person.face?.box;
  const pose = person.pose;
  const at = (part: string): Point | undefined => pose?.find((k: Keypoint) => k.part === part && k.score >= MIN_SCORE)?.position;
  // Head: an ellipse a little larger than the face box, for hair.
  const headWidth = face ? face.width : person.box.width / 3;
  if (face) fillEllipse(scratch, width, height, { x: face.x + face.width / 2, y: face.y + face.height * 0.45 }, face.width * 0.62, face.height * 0.72, 255);
  const ls = at('leftShoulder');
  const rs = at('rightShoulder');
  const lh = at('leftHip');
  const rh = at('rightHip');
  if (ls && rs) {
    // Torso from shoulders down to hips, or to the box bottom when hips are not seen.
    const bottom = person.box.y + person.box.height;
    const hipL = lh ?? { x: ls.x, y: bottom };
    const hipR = rh ?? { x: rs.x, y: bottom };
    const pad = Math.abs(ls.x - rs.x) * 0.12;
    const dir = ls.x < rs.x ? -1 : 1;
    fillPolygon(scratch, width, height, [
      { x: ls.x + dir * pad, y: ls.y - pad },
      { x: rs.x - dir * pad, y: rs.y - pad },
      { x: hipR.x - dir * pad, y: hipR.y },
      { x: hipL.x + dir * pad, y: hipL.y },
    ], 255);
    const neckTop = face ? { x: face.x + face.width / 2, y: face.y + face.height * 0.8 } : undefined;
    if (neckTop) fillPolygon(scratch, width, height, thickSegment(neckTop, { x: (ls.x + rs.x) / 2, y: (ls.y + rs.y) / 2 }, headWidth * 0.3), 255);
    const limb = headWidth * 0.22;
    const chains: [string, string][] = [
      ['leftShoulder', 'leftElbow'], ['leftElbow', 'leftWrist'], ['rightShoulder', 'rightElbow'], ['rightElbow', 'rightWrist'],
      ['leftHip', 'leftKnee'], ['leftKnee', 'leftAnkle'], ['rightHip', 'rightKnee'], ['rightKnee', 'rightAnkle'],
    ];
    for (const [p, q] of chains) {
      const a = at(p);
      const b = at(q);
      if (a && b) fillPolygon(scratch, width, height, thickSegment(a, b, p.includes('Hip') || p.includes('Knee') ? limb * 1.4 : limb), 255);
    }
  } else if (face) {
    // No pose: shoulders and chest as a trapezoid under the face, down to the bottom of the person box.
    const cx = face.x + face.width / 2;
    const top = face.y + face.height * 0.85;
    const bottom = Math.min(height, Math.max(person.box.y + person.box.height, top + face.height * 1.5));
    fillPolygon(scratch, width, height, [
      { x: cx - face.width * 0.35, y: top },
      { x: cx + face.width * 0.35, y: top },
      { x: cx + face.width * 1.25, y: top + face.height * 0.6 },
      { x: cx + face.width * 1.3, y: bottom },
      { x: cx - face.width * 1.3, y: bottom },
      { x: cx - face.width * 1.25, y: top + face.height * 0.6 },
    ], 255);
  } else {
    const c = boxCentre(person.box);
    fillEllipse(scratch, width, height, c, person.box.width / 2, person.box.height / 2, 255);
  }
  maxInto(mask.data, scratch);
}

/** Union of approximate shapes for every person. */
export function buildApproximateMask(width: number, height: number, people: readonly PersonAnalysis[]): Mask {
  const mask = createMask(width, height);
  for (const person of people) drawPerson(mask, person);
  return mask;
}

/** Zero a mask outside every box: a segmentation model's stray blobs far from any person are dropped. */
export function constrainMaskToBoxes(mask: Mask, boxes: readonly Box[]): Mask {
  const keep = new Uint8Array(mask.width);
  const out = createMask(mask.width, mask.height);
  for (let y = 0; y < mask.height; y++) {
    keep.fill(0);
    for (const b of boxes) {
      if (y + 0.5 < b.y || y + 0.5 > b.y + b.height) continue;
      keep.fill(1, Math.max(0, Math.floor(b.x)), Math.min(mask.width, Math.ceil(b.x + b.width)));
    }
    const row = y * mask.width;
    for (let x = 0; x < mask.width; x++) if (keep[x]) out.data[row + x] = mask.data[row + x];
  }
  return out;
}

/**
 * Split a union mask into one mask per person: each pixel goes to the person whose box contains it and
 * whose centre is nearest (else to the nearest centre). With one person the mask is returned as is.
 */
export function splitMaskByPerson(mask: Mask, boxes: readonly Box[]): Mask[] {
  if (boxes.length === 0) return [];
  if (boxes.length === 1) return [mask];
  const out = boxes.map(() => createMask(mask.width, mask.height));
  const centres = boxes.map(boxCentre);
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      const i = y * mask.width + x;
      const v = mask.data[i];
      if (v === 0) continue;
      let best = -1;
      let bestD = Infinity;
      let bestInside = false;
      for (let k = 0; k < boxes.length; k++) {
        const b = boxes[k];
        const inside = x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + b.height;
        // Normalise by box width so a big close person does not steal a small one's pixels.
        const d = Math.abs(x - centres[k].x) / Math.max(1, b.width) + Math.abs(y - centres[k].y) / Math.max(1, b.height) * 0.5;
        if ((inside && !bestInside) || (inside === bestInside && d < bestD)) {
          best = k;
          bestD = d;
          bestInside = inside;
        }
      }
      out[best].data[i] = v;
    }
  }
  return out;
}
