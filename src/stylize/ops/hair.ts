/**
 * Hair: found as the colour sampled just above the face, inside a head-shaped ellipse; then the
 * "angel ring", the glossy band anime draws across the top of the head, as an arc concentric with
 * the head with a jagged strand edge.
 */
import type { Box } from '../../core/types.js';
import { gaussianBlur } from './blur.js';
import type { LabImage } from './color.js';
import { dilate, erode } from './morphology.js';
import { smoothstep } from './skin.js';

export interface HairRegion {
  /** 0..1 hair weight over the image. */
  mask: Float32Array;
  /** Median Lab of the sampled hair. */
  colour: [number, number, number];
}

/**
 * Hair around one face, or null when none is found. `trustColour` is true when a person mask
 * exists; without it only dark hair is trusted (a light sample above a face is often the wall).
 */
export function findHair(lab: LabImage, face: Box, skin: Float32Array, person: Float32Array, trustColour: boolean): HairRegion | null {
  const { width, height } = lab;
  const n = width * height;
  const cx = face.x + face.width / 2;
  const y0 = Math.max(0, Math.floor(face.y - face.height * 0.22));
  const y1 = Math.min(height - 1, Math.floor(face.y + face.height * 0.06));
  const x0 = Math.max(0, Math.floor(cx - face.width * 0.3));
  const x1 = Math.min(width - 1, Math.ceil(cx + face.width * 0.3));
  const ls: number[] = [];
  const as: number[] = [];
  const bs: number[] = [];
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const i = y * width + x;
      if (skin[i] > 0.3) continue;
      if (trustColour && person[i] < 0.5) continue;
      ls.push(lab.l[i]);
      as.push(lab.a[i]);
      bs.push(lab.b[i]);
    }
  }
  const area = (y1 - y0 + 1) * (x1 - x0 + 1);
  if (ls.length < Math.max(12, area * 0.25)) return null;
  const med = (v: number[]): number => v.sort((p, q) => p - q)[v.length >> 1];
  const hl = med(ls);
  const ha = med(as);
  const hb = med(bs);
  if (!trustColour && hl > 45) return null;
  const hcx = cx;
  const hcy = face.y + face.height * 0.45;
  // A segmented person allows a big head of hair (afros, updos); colour alone stays conservative.
  const hrx = face.width * (trustColour ? 1.3 : 0.9);
  const hry = face.height * (trustColour ? 1.6 : 1.05);
  const bx0 = Math.max(0, Math.floor(hcx - hrx));
  const bx1 = Math.min(width - 1, Math.ceil(hcx + hrx));
  const by0 = Math.max(0, Math.floor(hcy - hry));
  const by1 = Math.min(height - 1, Math.ceil(hcy + hry));
  const mask = new Float32Array(n);
  let count = 0;
  // Bounds of what was found: the closing and blur below only need to run there.
  let mx0 = width;
  let my0 = height;
  let mx1 = -1;
  let my1 = -1;
  for (let y = by0; y <= by1; y++) {
    for (let x = bx0; x <= bx1; x++) {
      const i = y * width + x;
      const dx = (x + 0.5 - hcx) / hrx;
      const dy = (y + 0.5 - hcy) / hry;
      const e = dx * dx + dy * dy;
      if (e >= 1) continue;
      // Segmentation masks often clip tall hair (afros, updos) at the top; above the face, hair
      // that closely matches the sampled colour still counts off the mask, with tight tolerances.
      const offMask = trustColour && person[i] < 0.5;
      if (offMask && y + 0.5 > face.y) continue;
      const dl = lab.l[i] - hl;
      const dc = Math.hypot(lab.a[i] - ha, lab.b[i] - hb);
      // Hair shading varies a lot in lightness (shine, shadow), less in hue. On a segmented person
      // the mask already says "this is the person", so colour only has to rule out skin and clothes.
      const cTol = trustColour && !offMask ? 20 : 10;
      const lTol = trustColour && !offMask ? 34 : 14;
      const w = (1 - smoothstep(cTol * 0.6, cTol, dc)) * (1 - smoothstep(lTol * 0.6, lTol, Math.abs(dl))) * (1 - skin[i]) * (1 - smoothstep(0.8, 1, e));
      if (w > 0) {
        mask[i] = w;
        count++;
        if (x < mx0) mx0 = x;
        if (x > mx1) mx1 = x;
        if (y < my0) my0 = y;
        if (y > my1) my1 = y;
      }
    }
  }
  if (count < face.width * face.height * 0.08) return null;
  // Close small holes (curls, shine) so the hair reads as one mass.
  const r = Math.max(1, Math.round(face.width * 0.02));
  const roi = {
    x0: Math.max(0, mx0 - r - 3),
    y0: Math.max(0, my0 - r - 3),
    x1: Math.min(width - 1, mx1 + r + 3),
    y1: Math.min(height - 1, my1 + r + 3),
  };
  const closed = erode(dilate(mask, width, height, r, roi), width, height, r, roi);
  return { mask: gaussianBlur(closed, width, height, 1, undefined, roi), colour: [hl, ha, hb] };
}

/**
 * Angel-ring coverage 0..1 over the hair, or null when the arc misses the hair. The arc is placed
 * about 40 % of the way from the top of the face to the top of the hair, so it sits on the crown of
 * a big afro as well as on a short cut.
 */
export function angelRing(hair: HairRegion, face: Box, width: number, height: number): Float32Array | null {
  const n = width * height;
  const hcx = face.x + face.width / 2;
  const hcy = face.y + face.height * 0.5;
  // Top of the hair over the middle third of the face.
  let hairTop = face.y;
  const x0 = Math.max(0, Math.floor(hcx - face.width / 6));
  const x1 = Math.min(width - 1, Math.ceil(hcx + face.width / 6));
  for (let y = Math.max(0, Math.floor(face.y - face.height * 1.2)); y < face.y; y++) {
    let s = 0;
    for (let x = x0; x <= x1; x++) s += hair.mask[y * width + x];
    if (s > (x1 - x0 + 1) * 0.5) {
      hairTop = y;
      break;
    }
  }
  // Too little hair above the face (short crop, a hat, or hair the masks missed): a ring there would
  // sit on the hairline and read as a headband.
  if (face.y - hairTop < face.height * 0.18) return null;
  // On a tall head of hair (an afro, an updo) the shine sits higher up the crown; at 40 % of a big
  // volume it would still circle the forehead like a band.
  const above = face.y - hairTop;
  const ringY = face.y - above * (above > face.height * 0.6 ? 0.58 : 0.4);
  const hry = Math.max(face.height * 0.3, hcy - ringY);
  const hrx = hry * (face.width / face.height) * 1.05;
  const bx0 = Math.max(0, Math.floor(hcx - hrx * 1.3));
  const bx1 = Math.min(width - 1, Math.ceil(hcx + hrx * 1.3));
  const by0 = Math.max(0, Math.floor(hcy - hry * 1.3));
  const by1 = Math.min(height - 1, Math.ceil(hcy));
  const out = new Float32Array(n);
  let any = false;
  // Band thickness in normalised radius: about 5 % of the face height.
  const t = (face.height * 0.055) / hry;
  for (let y = by0; y <= by1; y++) {
    for (let x = bx0; x <= bx1; x++) {
      const i = y * width + x;
      const h = hair.mask[i];
      if (h <= 0.2) continue;
      const dx = (x + 0.5 - hcx) / hrx;
      const dy = (y + 0.5 - hcy) / hry;
      const rho = Math.sqrt(dx * dx + dy * dy);
      const angle = Math.atan2(dx, -dy); // 0 = straight up
      if (Math.abs(angle) > 1.1) continue;
      // Strand-like zigzag on the inner edge, a clean outer edge, fading toward the sides.
      // Irregular strand tips: two incommensurate ripples, so it never reads as a crown.
      const zig = t * (0.7 * Math.abs(Math.sin(angle * 17 + 0.6)) + 0.5 * Math.abs(Math.sin(angle * 7.3 + 1.9)));
      const inner = 1 - t + zig;
      const outer = 1 + t * 0.6;
      const band = smoothstep(inner - 0.01, inner + 0.01, rho) * (1 - smoothstep(outer - 0.01, outer + 0.01, rho));
      const fade = 1 - smoothstep(0.6, 1.1, Math.abs(angle));
      const v = band * fade * Math.min(1, h * 1.4);
      if (v > 0) {
        out[i] = v;
        any = true;
      }
    }
  }
  return any ? gaussianBlur(out, width, height, 0.6, undefined, { x0: bx0, y0: by0, x1: bx1, y1: by1 }) : null;
}
