/**
 * Soft masks derived from the analysis: where people are. Segmentation wins when present;
 * otherwise each person box becomes a soft ellipse (a box corner is rarely the person).
 */
import type { SceneAnalysis } from '../core/types.js';
import { gaussianBlur } from './ops/blur.js';

/** 0..1 person weight per pixel; all zero when the analysis found nobody. */
export function personWeight(analysis: SceneAnalysis, width: number, height: number): Float32Array {
  const n = width * height;
  const out = new Float32Array(n);
  const mask = analysis.personMask;
  if (mask && mask.width === width && mask.height === height && mask.data.length === n) {
    for (let i = 0; i < n; i++) out[i] = mask.data[i] / 255;
    return gaussianBlur(out, width, height, 1.2);
  }
  for (const person of analysis.people) {
    const box = person.box;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const rx = Math.max(1, box.width * 0.55);
    const ry = Math.max(1, box.height * 0.58);
    const x0 = Math.max(0, Math.floor(cx - rx));
    const x1 = Math.min(width - 1, Math.ceil(cx + rx));
    const y0 = Math.max(0, Math.floor(cy - ry));
    const y1 = Math.min(height - 1, Math.ceil(cy + ry));
    for (let y = y0; y <= y1; y++) {
      const dy = (y + 0.5 - cy) / ry;
      for (let x = x0; x <= x1; x++) {
        const dx = (x + 0.5 - cx) / rx;
        const d = dx * dx + dy * dy;
        // Full weight in the core, fading over the outer quarter of the ellipse.
        const w = d >= 1 ? 0 : d <= 0.55 ? 1 : (1 - d) / 0.45;
        const i = y * width + x;
        if (w > out[i]) out[i] = w;
      }
    }
  }
  return out;
}
