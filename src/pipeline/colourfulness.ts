/**
 * Hasler–Süsstrunk colourfulness (0 = grey). Used to notice black-and-white photos, which get the
 * monochrome (manga ink) preset instead of a colour look that would invent colours.
 */
import type { RgbImage } from '../core/raster.js';

/** Below this a photo reads as black-and-white (sepia scans measure ≈5–10; ordinary colour photos >20). */
export const GRAYSCALE_COLOURFULNESS = 6;

export function colourfulness(image: RgbImage): number {
  const { data } = image;
  const n = data.length / 3;
  if (n === 0) return 0;
  // Subsample for speed: statistics of every 4th pixel are within noise of the full image.
  const stride = 4 * 3;
  let count = 0;
  let sumRg = 0;
  let sumYb = 0;
  let sumRg2 = 0;
  let sumYb2 = 0;
  for (let i = 0; i < data.length; i += stride) {
    const r = data[i];
    const g = data[i + 1];
    const b = data[i + 2];
    const rg = r - g;
    const yb = 0.5 * (r + g) - b;
    sumRg += rg;
    sumYb += yb;
    sumRg2 += rg * rg;
    sumYb2 += yb * yb;
    count++;
  }
  const meanRg = sumRg / count;
  const meanYb = sumYb / count;
  const sdRg = Math.sqrt(Math.max(0, sumRg2 / count - meanRg * meanRg));
  const sdYb = Math.sqrt(Math.max(0, sumYb2 / count - meanYb * meanYb));
  return Math.sqrt(sdRg * sdRg + sdYb * sdYb) + 0.3 * Math.sqrt(meanRg * meanRg + meanYb * meanYb);
}
