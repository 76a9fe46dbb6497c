/**
 * The embedded anime engine: one photo + analysis in, one cel-shaded image out. Pure TypeScript on
 * typed arrays (no Node APIs) so the same code runs in a browser.
 *
 * Order matters: the eye warp goes first so every later step draws the enlarged eyes; skin is
 * measured on the photo and restored after all colour work so no style can shift a person's tone;
 * lines go on last so they stay crisp over textures.
 */
import type { RgbImage } from '../core/raster.js';
import type { EmbeddedStyle, SceneAnalysis } from '../core/types.js';
import { gaussianBlur } from './ops/blur.js';
import { type LabImage, labToRgb } from './ops/color.js';
import { wobble } from './ops/displace.js';
import { domainTransformFilter } from './ops/edge-preserving.js';
import { colourEdgeLines, thickenLines, xdogLines } from './ops/line-art.js';
import { majorityFilter } from './ops/morphology.js';
import { deriveSeed } from './ops/noise.js';
import { assignClusters, celBands, kmeansLab } from './ops/quantize.js';
import { connectedRegions } from './ops/regions.js';
import { scratchFloat } from './ops/scratch.js';
import { ANIME_BLUE_SKY, DREAMY_SKY, detectSky, renderSky } from './ops/sky.js';
import { personWeight } from './scene-masks.js';
import type { StyleParams } from './styles.js';
import { applyFinish } from './finish.js';
import { prepareFaces, type PreparedFaces } from './face-features.js';

export interface StylizeJob {
  image: RgbImage;
  analysis: SceneAnalysis;
  style: EmbeddedStyle;
  params: StyleParams;
  seed: number;
}

/** Called between steps with overall progress 0..1; may throw (cancellation). */
export type Checkpoint = (progress: number) => Promise<void>;

export async function runEngine(job: StylizeJob, checkpoint: Checkpoint): Promise<RgbImage> {
  const { analysis, params: p } = job;
  const { width, height } = job.image;
  const n = width * height;

  // 1. Faces: enlarge eyes on the photo, build skin/hair masks, remember where features go.
  const person = personWeight(analysis, width, height);
  const faces: PreparedFaces = prepareFaces(job.image, analysis, p, person);
  const photo = faces.lab;
  const skin = faces.skin;
  await checkpoint(0.1);

  // 2. Edge-preserving smoothing; skin gets a wider colour range so pores and blemishes melt.
  const rangeScale = scratchFloat('engine.range', n);
  for (let i = 0; i < n; i++) {
    const bg = p.backgroundSmooth + (1 - p.backgroundSmooth) * person[i];
    const hairy = bg + (p.hairSmooth - bg) * faces.hair[i];
    // Small faces smooth less: a wide colour range there melts eyes and nose into the skin.
    const skinRange = p.skinSmooth + (Math.min(p.skinSmooth, 1.3) - p.skinSmooth) * faces.small[i];
    rangeScale[i] = hairy + (skinRange - hairy) * skin[i];
  }
  const smooth = domainTransformFilter(photo, { sigmaSpace: p.smoothSpace, sigmaRange: p.smoothRange, iterations: 2, rangeScale });
  await checkpoint(0.3);

  // 3. Regions and cel bands.
  const centres = kmeansLab(smooth, { clusters: p.clusters, lightnessWeight: p.clusterLightness, seed: deriveSeed(job.seed, 1) });
  const labels = majorityFilter(assignClusters(smooth, centres, p.clusterLightness), width, height, 1);
  const regions = connectedRegions(labels, width, height);
  // Band borders follow a blurred lightness; on faces a much wider blur, so shadows on skin are a
  // few large simple shapes as in anime, not photographic patches.
  const shading = gaussianBlur(smooth.l, width, height, p.bandBlur);
  const faceZone = faces.faceZone;
  if (faces.any) {
    const wide = gaussianBlur(smooth.l, width, height, p.bandBlur * 2 + 2.5, scratchFloat('engine.wide', n));
    // Hair too: curls and strands become a few broad tones (the angel ring adds the shine).
    const hair = faces.hair;
    for (let i = 0; i < n; i++) shading[i] += (wide[i] - shading[i]) * Math.max(faceZone[i], hair[i]);
  }
  const { image: flat } = celBands(smooth, shading, regions, {
    shadowThreshold: p.shadowThreshold,
    highlightThreshold: p.highlightThreshold,
    minBandStep: p.minBandStep,
    bandContrast: p.bandContrast,
    skin: faceZone,
    skinMinBandStep: p.skinBandStep,
  });
  // Faces keep most of the smoothed photo, not the cel regions: a region that runs from a pale
  // cheek into a pale wall takes the nose and chin line with it, and a face's outline and features
  // are what make it recognisable (to people and to face detectors). Skin is repainted later anyway.
  if (faces.any && p.faceStructure > 0) {
    const area = faces.area;
    for (let i = 0; i < n; i++) {
      const k = area[i] * p.faceStructure;
      if (k <= 0) continue;
      flat.l[i] += (smooth.l[i] - flat.l[i]) * k;
      flat.a[i] += (smooth.a[i] - flat.a[i]) * k;
      flat.b[i] += (smooth.b[i] - flat.b[i]) * k;
    }
  }
  // Structure: part of the smoothed photo's lightness comes back inside each flat band, on people
  // (limbs, clothes folds keep some roundness); band edges and flat colour still carry the cel look.
  if (p.structure > 0 || p.personStructure > 0) {
    for (let i = 0; i < n; i++) {
      const k = p.structure + (p.personStructure - p.structure) * person[i];
      flat.l[i] += (smooth.l[i] - flat.l[i]) * k;
    }
  }
  await checkpoint(0.5);

  // 4. Colour grading: painterly background, livelier clothes, skin untouched.
  // Faces (the whole oval, not only pixels that look like skin) and skin are left out of grading.
  // Around faces the washes (pastel lift, haze, glow) hold back too: hair and collar keep their
  // contrast against the face, which is how its outline stays readable.
  const shield = faces.any ? faceShield(faces.faceZone, faces.area) : faces.faceZone;
  grade(flat, person, faces.faceZone, shield, p);

  // 5. Sky.
  let skyWeight: Float32Array | null = null;
  // A black-and-white photo stays black and white: no blue sky painted into it.
  if (p.sky > 0 && !isMonochrome(photo)) {
    const skyMask = detectSky(photo, person);
    let any = false;
    for (let i = 0; i < n && !any; i++) any = skyMask[i] > 0;
    if (any) {
      const soft = new Float32Array(n);
      for (let i = 0; i < n; i++) soft[i] = skyMask[i] / 255;
      const feather = gaussianBlur(soft, width, height, 1.5);
      skyWeight = feather;
      renderSky(flat, photo, feather, {
        palette: job.style === 'dreamy-sky' ? DREAMY_SKY : ANIME_BLUE_SKY,
        strength: p.sky,
        clouds: p.clouds,
        paletteMix: p.skyPalette,
        chroma: p.skyChroma,
      });
    }
  }
  await checkpoint(0.6);

  // 6. Hair highlight bands and face simplification on the flat image.
  faces.paintFlat(flat, photo, shading, smooth);

  // 7. Soft region borders (antialiasing for crisp styles, wet edges for watercolour); watercolour
  // borders also wander, except on faces where features must stay put.
  let image: LabImage = flat;
  if (p.wobble > 0) {
    const scale = scratchFloat('engine.wobble', n);
    for (let i = 0; i < n; i++) scale[i] = 1 - 0.9 * shield[i];
    image = wobble(flat, p.wobble, Math.max(6, width / 40), deriveSeed(job.seed, 21), scale);
  }
  if (p.edgeSoftness > 0) {
    const soft: LabImage = {
      width,
      height,
      l: gaussianBlur(image.l, width, height, p.edgeSoftness),
      a: gaussianBlur(image.a, width, height, p.edgeSoftness),
      b: gaussianBlur(image.b, width, height, p.edgeSoftness),
    };
    // Faces stay sharper: a wide softening blurs eyes and mouth together on all but big faces.
    if (faces.any && p.edgeSoftness > 0.6) {
      const area = faces.area;
      for (let i = 0; i < n; i++) {
        const k = area[i] * 0.6;
        if (k <= 0) continue;
        soft.l[i] += (image.l[i] - soft.l[i]) * k;
        soft.a[i] += (image.a[i] - soft.a[i]) * k;
        soft.b[i] += (image.b[i] - soft.b[i]) * k;
      }
    }
    image = soft;
  }

  // Small faces: the smoothed photo, with half of the photo's own fine lightness detail (the few
  // pixels of eyes, brows and mouth), comes back over the cel work (see `smallFaceKeep`).
  if (faces.any && p.smallFaceKeep > 0) {
    for (let i = 0; i < n; i++) {
      const k = faces.small[i] * p.smallFaceKeep;
      if (k <= 0) continue;
      image.l[i] += (smooth.l[i] + (photo.l[i] - smooth.l[i]) * 0.5 - image.l[i]) * k;
      image.a[i] += (smooth.a[i] - image.a[i]) * k;
      image.b[i] += (smooth.b[i] - image.b[i]) * k;
    }
  }
  // 8. Keep each person's own skin tone: shift skin back to the photo's mean.
  faces.restoreSkin(image, photo);
  await checkpoint(0.7);

  // 9. Line art: XDoG on the smoothed lightness, heavier on people; face strokes added by faces.
  let ink = xdogLines(smooth.l, width, height, {
    sigma: p.lineSigma,
    k: 1.6,
    tau: p.lineTau,
    epsilon: p.lineEpsilon,
    phi: p.linePhi,
    minComponent: p.lineMinLength,
  });
  if (p.colourEdgeLines > 0) {
    const borders = colourEdgeLines(smooth, width, height, p.colourEdgeLines, p.lineMinLength);
    for (let i = 0; i < n; i++) if (borders[i] > ink[i]) ink[i] = borders[i];
  }
  if (p.personLineWeight > 0) {
    const w = scratchFloat('engine.line-weight', n);
    for (let i = 0; i < n; i++) w[i] = person[i] * p.personLineWeight * (1 - faces.small[i]);
    // Person masks are often cut square at the detector box, so the silhouette comes from the
    // photo's own edges (thickened on the person), never from the mask outline.
    ink = thickenLines(ink, width, height, w);
  }
  faces.adjustInk(ink);
  // On small faces a full-strength line is as wide as an eye; lighter ink keeps the features legible.
  if (faces.any) for (let i = 0; i < n; i++) ink[i] *= 1 - 0.35 * faces.small[i];
  await checkpoint(0.85);

  // 10. Style finish: paper, grain, bloom, sparkles, screentone; then ink on top.
  const finished = applyFinish(image, ink, {
    style: job.style,
    params: p,
    seed: job.seed,
    protect: faces.faceZone,
    shield,
    person,
    subjects: p.sparkles > 0 ? subjectWeight(analysis, person) : p.monochrome > 0 ? withPets(analysis, person) : person,
    sky: skyWeight,
    faces,
  });
  // Grey manga has no skin colour to keep; every colour style gets the final skin check-and-fix.
  if (p.monochrome <= 0) faces.restoreSkinFinal(finished, job.image);
  await checkpoint(0.95);
  return labToRgb(finished);
}

function grade(img: LabImage, person: Float32Array, skin: Float32Array, shield: Float32Array, p: StyleParams): void {
  const n = img.l.length;
  for (let i = 0; i < n; i++) {
    const keep = skin[i];
    const pw = person[i];
    let sat = p.backgroundSaturation + (p.personSaturation - p.backgroundSaturation) * pw;
    sat = sat * p.pastelChroma;
    sat = sat + (1 - sat) * keep;
    img.a[i] *= sat;
    img.b[i] *= sat;
    const lift = p.pastel * (1 - shield[i]);
    if (lift > 0) img.l[i] += (100 - img.l[i]) * lift;
  }
}

/** Faces fully, and their surroundings (the face area ellipse) mostly. */
function faceShield(zone: Float32Array, area: Float32Array): Float32Array {
  const out = new Float32Array(zone.length);
  for (let i = 0; i < zone.length; i++) out[i] = Math.max(zone[i], area[i] * 0.8);
  return out;
}

/** True for a photo without colour to speak of (black and white, sepia-free greys). */
function isMonochrome(img: LabImage): boolean {
  const n = img.l.length;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i += 7) {
    sum += Math.abs(img.a[i]) + Math.abs(img.b[i]);
    count++;
  }
  return count > 0 && sum / count < 3;
}

/** People plus pets (their detector boxes, grown a little): where decorations must not land. */
function subjectWeight(analysis: SceneAnalysis, person: Float32Array): Float32Array {
  if (!analysis.pets.length) return person;
  const { width, height } = analysis;
  const out = person.slice();
  for (const pet of analysis.pets) {
    const m = Math.max(pet.box.width, pet.box.height) * 0.1;
    const x0 = Math.max(0, Math.floor(pet.box.x - m));
    const y0 = Math.max(0, Math.floor(pet.box.y - m));
    const x1 = Math.min(width - 1, Math.ceil(pet.box.x + pet.box.width + m));
    const y1 = Math.min(height - 1, Math.ceil(pet.box.y + pet.box.height + m));
    for (let y = y0; y <= y1; y++) out.fill(1, y * width + x0, y * width + x1 + 1);
  }
  return out;
}

/**
 * People plus an ellipse inside each pet's box: the animal's body without the box corners, which in
 * a photo of a dog on a lawn are mostly lawn.
 */
function withPets(analysis: SceneAnalysis, person: Float32Array): Float32Array {
  if (!analysis.pets.length) return person;
  const { width, height } = analysis;
  const out = person.slice();
  for (const pet of analysis.pets) {
    const cx = pet.box.x + pet.box.width / 2;
    const cy = pet.box.y + pet.box.height / 2;
    const rx = Math.max(1, pet.box.width / 2);
    const ry = Math.max(1, pet.box.height / 2);
    for (let y = Math.max(0, Math.floor(cy - ry)); y <= Math.min(height - 1, Math.ceil(cy + ry)); y++) {
      for (let x = Math.max(0, Math.floor(cx - rx)); x <= Math.min(width - 1, Math.ceil(cx + rx)); x++) {
        const d = ((x + 0.5 - cx) / rx) ** 2 + ((y + 0.5 - cy) / ry) ** 2;
        const w = d >= 1 ? 0 : d <= 0.6 ? 1 : (1 - d) / 0.4;
        const i = y * width + x;
        if (w > out[i]) out[i] = w;
      }
    }
  }
  return out;
}
