/**
 * Face and hair treatment driven by the analysis: bigger eyes (smooth warp), own-skin masks and
 * tone restore, angel-ring hair highlights, simplified nose and mouth, drawn lashes, brows and
 * catchlights. Faces without landmarks still get skin handling from their box.
 */
import type { RgbImage } from '../core/raster.js';
import type { Box, FaceAnalysis, FaceLandmarks, Point, SceneAnalysis } from '../core/types.js';
import { gaussianBlur } from './ops/blur.js';
import { type LabImage, rgbToLab, rgbToLabPixel } from './ops/color.js';
import { bounds, centroid, fillPolygon, pointInPolygon, quadraticCurve, scalePolygon, strokePolyline } from './ops/draw.js';
import { angelRing, findHair } from './ops/hair.js';
import { dilate, erode } from './ops/morphology.js';
import { type SkinSample, restoreMean, sampleSkin, skinLikelihood, trimmedMeanLab } from './ops/skin.js';
import { type Roi, roiOfBox } from './ops/roi.js';
import { type MagnifyRegion, magnify, magnifyPoint } from './ops/warp.js';
import type { StyleParams } from './styles.js';

export interface PreparedFaces {
  /** The photo after the eye warp (the input itself when nothing was warped). */
  image: RgbImage;
  lab: LabImage;
  /** Skin weight 0..1 over the image (max over faces). */
  skin: Float32Array;
  /** Hair weight 0..1 over the image (max over faces). */
  hair: Float32Array;
  /** Skin or inside a face oval (0..1): where cel shading is kept simple. */
  faceZone: Float32Array;
  /** True when at least one face was prepared. */
  any: boolean;
  /**
   * Repaint skin as two anime tones (base and shadow, split on the wide-blurred `shading`), then
   * hair highlights, eyes, nose and lips, on the flat cel image.
   */
  paintFlat(flat: LabImage, photo: LabImage, shading: Float32Array): void;
  /** Shift each face's skin back to its photo mean. */
  restoreSkin(image: LabImage, photo: LabImage): void;
  /** Remove photo lines inside nose/mouth and add drawn lashes, brows, nose tick, mouth line. */
  adjustInk(ink: Float32Array): void;
  /** Catchlights over everything. */
  paintOver(out: LabImage, p: StyleParams): void;
  /**
   * Last step: shift skin so that the trimmed mean over each face's check region equals the
   * photo's, measured the way a skin-tone check measures it (after ink, grain and glow).
   */
  restoreSkinFinal(out: LabImage, original: RgbImage): void;
}

interface EyePlan {
  outline: Point[];
  centre: Point;
  irisRadius: number;
  open: boolean;
}

interface FacePlan {
  box: Box;
  /** Face width in px (oval width when known). */
  size: number;
  landmarks?: FaceLandmarks;
  eyes: EyePlan[];
  sample: SkinSample | null;
  skin: Float32Array | null;
  measure: Float32Array | null;
  ring: Float32Array | null;
  glasses: boolean;
  /** Everything this face touches (hair, neck): per-face loops stay inside it. */
  roi: Roi;
  /** The face itself with a small margin: feature work stays inside it. */
  faceRoi: Roi;
  /** Face oval coverage (landmarks only). */
  oval: Float32Array | null;
  /**
   * The region a skin-tone check looks at, on the photo as given (before the eye warp): the oval
   * minus features grown 1.35x, or the middle of the detector box without landmarks.
   */
  checkRegion: Float32Array;
  /** Inside the face oval below the brows (0..1): never hair. */
  lowerFace: Float32Array | null;
}

function clampBox(box: Box, width: number, height: number): { x0: number; y0: number; x1: number; y1: number } {
  return {
    x0: Math.max(0, Math.floor(box.x)),
    y0: Math.max(0, Math.floor(box.y)),
    x1: Math.min(width - 1, Math.ceil(box.x + box.width)),
    y1: Math.min(height - 1, Math.ceil(box.y + box.height)),
  };
}

function usableLandmarks(lm: FaceLandmarks | undefined): lm is FaceLandmarks {
  return !!lm && lm.leftEye.length >= 3 && lm.rightEye.length >= 3 && lm.lips.length >= 3 && lm.faceOval.length >= 3;
}

/** A face's working frame: its head-and-shoulders rectangle in image pixels. */
interface Frame {
  x0: number;
  y0: number;
  w: number;
  h: number;
}

function frameOf(roi: Roi): Frame {
  return { x0: roi.x0, y0: roi.y0, w: roi.x1 - roi.x0 + 1, h: roi.y1 - roi.y0 + 1 };
}

function cropPlane(src: Float32Array, width: number, f: Frame): Float32Array {
  const out = new Float32Array(f.w * f.h);
  for (let y = 0; y < f.h; y++) out.set(src.subarray((f.y0 + y) * width + f.x0, (f.y0 + y) * width + f.x0 + f.w), y * f.w);
  return out;
}

function pastePlane(dst: Float32Array, width: number, f: Frame, local: Float32Array): void {
  for (let y = 0; y < f.h; y++) dst.set(local.subarray(y * f.w, (y + 1) * f.w), (f.y0 + y) * width + f.x0);
}

function cropLab(src: LabImage, f: Frame): LabImage {
  return { width: f.w, height: f.h, l: cropPlane(src.l, src.width, f), a: cropPlane(src.a, src.width, f), b: cropPlane(src.b, src.width, f) };
}

function pasteLab(dst: LabImage, f: Frame, local: LabImage): void {
  pastePlane(dst.l, dst.width, f, local.l);
  pastePlane(dst.a, dst.width, f, local.a);
  pastePlane(dst.b, dst.width, f, local.b);
}

function cropRgb(src: RgbImage, f: Frame): RgbImage {
  const data = new Uint8Array(f.w * f.h * 3);
  for (let y = 0; y < f.h; y++) {
    const o = ((f.y0 + y) * src.width + f.x0) * 3;
    data.set(src.data.subarray(o, o + f.w * 3), y * f.w * 3);
  }
  return { width: f.w, height: f.h, data };
}

const shiftPoint = (p: Point, dx: number, dy: number): Point => ({ x: p.x + dx, y: p.y + dy });
const shiftPoints = (pts: readonly Point[], dx: number, dy: number): Point[] => pts.map((p) => shiftPoint(p, dx, dy));

function shiftLandmarks(lm: FaceLandmarks, dx: number, dy: number): FaceLandmarks {
  return {
    ...lm,
    faceOval: shiftPoints(lm.faceOval, dx, dy),
    leftEye: shiftPoints(lm.leftEye, dx, dy),
    rightEye: shiftPoints(lm.rightEye, dx, dy),
    leftEyebrow: shiftPoints(lm.leftEyebrow, dx, dy),
    rightEyebrow: shiftPoints(lm.rightEyebrow, dx, dy),
    nose: shiftPoints(lm.nose, dx, dy),
    lips: shiftPoints(lm.lips, dx, dy),
    leftIris: lm.leftIris && shiftPoint(lm.leftIris, dx, dy),
    rightIris: lm.rightIris && shiftPoint(lm.rightIris, dx, dy),
    noseBase: lm.noseBase && shiftPoints(lm.noseBase, dx, dy),
    innerLips: lm.innerLips && shiftPoints(lm.innerLips, dx, dy),
    mesh: undefined,
  };
}

/**
 * Everything per face runs in the face's own frame (a crop around head and shoulders) so a group
 * photo costs in proportion to its faces, not faces x image size; results are pasted back.
 */
export function prepareFaces(image: RgbImage, analysis: SceneAnalysis, p: StyleParams, person: Float32Array): PreparedFaces {
  const { width, height } = image;
  const n = width * height;
  const faces: FaceAnalysis[] = [];
  const glassesOf = new Map<FaceAnalysis, boolean>();
  for (const pe of analysis.people) {
    if (!pe.face || pe.face.box.width < 6 || pe.face.box.height < 6) continue;
    faces.push(pe.face);
    glassesOf.set(pe.face, !!pe.glasses && pe.glasses.value && pe.glasses.confidence >= 0.5);
  }

  // 1. Eye warp (on the whole image), and each face's plan in its own frame.
  const regions: MagnifyRegion[] = [];
  const plans: FacePlan[] = [];
  const frames: Frame[] = [];
  for (const face of faces) {
    const lm0 = usableLandmarks(face.landmarks) ? face.landmarks : undefined;
    let lm: FaceLandmarks | undefined = lm0;
    const size = lm0 ? Math.max(8, bounds(lm0.faceOval).maxX - bounds(lm0.faceOval).minX) : face.box.width;
    const eyes: EyePlan[] = [];
    if (lm0) {
      const faceRegions: MagnifyRegion[] = [];
      const pairs: Array<[Point[], Point | undefined]> = [
        [lm0.leftEye, lm0.leftIris],
        [lm0.rightEye, lm0.rightIris],
      ];
      for (const [outline, iris] of pairs) {
        const b = bounds(outline);
        const ew = b.maxX - b.minX;
        const eh = b.maxY - b.minY;
        const c = iris ?? centroid(outline);
        if (p.eyeScale > 0 && ew >= 4 && size >= 24) {
          faceRegions.push({ cx: c.x, cy: c.y, rx: ew * 1.0, ry: Math.max(ew * 0.85, eh * 2.2), amount: p.eyeScale });
        }
      }
      const move = (pt: Point): Point => faceRegions.reduce((q, r) => magnifyPoint(q, r), pt);
      lm = {
        ...lm0,
        leftEye: lm0.leftEye.map(move),
        rightEye: lm0.rightEye.map(move),
        leftEyebrow: lm0.leftEyebrow.map(move),
        rightEyebrow: lm0.rightEyebrow.map(move),
      };
      regions.push(...faceRegions);
    }
    // Detector boxes vary in margin; the oval's own bounds are the face, which is what the skin
    // sampling and the hair geometry assume.
    let box = face.box;
    if (lm0) {
      const ob = bounds(lm0.faceOval);
      box = { x: ob.minX, y: ob.minY, width: Math.max(4, ob.maxX - ob.minX), height: Math.max(4, ob.maxY - ob.minY) };
    }
    const frame = frameOf(headRoi(box, width, height));
    if (frame.w < 2 || frame.h < 2) continue;
    const dx = -frame.x0;
    const dy = -frame.y0;
    const localLm = lm && shiftLandmarks(lm, dx, dy);
    if (localLm && lm0) {
      for (const [outline, iris] of [
        [localLm.leftEye, lm0.leftIris],
        [localLm.rightEye, lm0.rightIris],
      ] as Array<[Point[], Point | undefined]>) {
        const b = bounds(outline);
        const ew = b.maxX - b.minX;
        const eh = b.maxY - b.minY;
        const irisRadius = lm0.irisRadius ? lm0.irisRadius * (1 + p.eyeScale) : ew * 0.24;
        eyes.push({
          outline,
          centre: iris ? shiftPoint(iris, dx, dy) : centroid(outline),
          irisRadius: Math.max(1.2, Math.min(ew * 0.3, irisRadius)),
          open: ew > 3 && eh / ew > 0.24,
        });
      }
    }
    const localBox = { x: box.x + dx, y: box.y + dy, width: box.width, height: box.height };
    const localFace: FaceAnalysis = { ...face, box: { ...face.box, x: face.box.x + dx, y: face.box.y + dy }, landmarks: lm0 && shiftLandmarks(lm0, dx, dy) };
    frames.push(frame);
    plans.push({
      box: localBox,
      size,
      landmarks: localLm,
      eyes,
      sample: null,
      skin: null,
      measure: null,
      ring: null,
      glasses: glassesOf.get(face) ?? false,
      lowerFace: null,
      roi: { x0: 0, y0: 0, x1: frame.w - 1, y1: frame.h - 1 },
      faceRoi: roiOfBox(localBox, 0.12, frame.w, frame.h),
      oval: null,
      checkRegion: checkRegion(localFace, frame.w, frame.h),
    });
  }
  const warped = regions.length ? magnify(image, regions) : image;
  const lab = rgbToLab(warped);

  // 2. Skin per face: sample the cheeks, grow by colour around the face, measure on the core.
  const segmented = !!analysis.personMask && analysis.personMaskSource !== 'approximate';
  const skin = new Float32Array(n);
  plans.forEach((plan, k) => {
    const f = frames[k];
    const localSkin = faceSkin(cropLab(lab, f), cropPlane(person, width, f), plan, segmented);
    if (!localSkin) return;
    for (let y = 0; y < f.h; y++) {
      for (let x = 0; x < f.w; x++) {
        const v = localSkin[y * f.w + x];
        const i = (f.y0 + y) * width + f.x0 + x;
        if (v > skin[i]) skin[i] = v;
      }
    }
  });

  const faceZone = skin.slice();
  plans.forEach((plan, k) => {
    const f = frames[k];
    const oval = plan.oval;
    if (!oval) return;
    for (let y = 0; y < f.h; y++) {
      for (let x = 0; x < f.w; x++) {
        const i = (f.y0 + y) * width + f.x0 + x;
        if (oval[y * f.w + x] > faceZone[i]) faceZone[i] = oval[y * f.w + x];
      }
    }
  });

  // 3. Hair per face, and its angel ring.
  const hair = new Float32Array(n);
  plans.forEach((plan, k) => {
    if (plan.box.width < 16) return;
    const f = frames[k];
    const region = findHair(cropLab(lab, f), plan.box, cropPlane(skin, width, f), cropPlane(person, width, f), !!analysis.personMask);
    if (!region) return;
    // Shadowed dark skin can match dark hair in colour; below the brows inside the oval is face.
    const lower = plan.lowerFace;
    for (let y = 0; y < f.h; y++) {
      for (let x = 0; x < f.w; x++) {
        const j = y * f.w + x;
        if (lower) region.mask[j] *= 1 - lower[j];
        const i = (f.y0 + y) * width + f.x0 + x;
        if (region.mask[j] > hair[i]) hair[i] = region.mask[j];
      }
    }
    if (p.hairHighlight > 0 && plan.box.width >= 24) plan.ring = angelRing(region, plan.box, f.w, f.h);
  });

  /** Run `fn` on a crop of each listed Lab image in the face's frame, then paste them back. */
  const inFrame = (k: number, images: LabImage[], fn: (local: LabImage[]) => void, writeBack = 1): void => {
    const f = frames[k];
    const local = images.map((img) => cropLab(img, f));
    fn(local);
    for (let w = 0; w < writeBack; w++) pasteLab(images[w], f, local[w]);
  };

  return {
    image: warped,
    lab,
    skin,
    hair,
    faceZone,
    any: plans.length > 0,
    paintFlat(flat, photo, shading) {
      const shadingLab: LabImage = { width, height, l: shading, a: shading, b: shading };
      plans.forEach((plan, k) => {
        if (!plan.skin || !plan.measure) return;
        inFrame(k, [flat, photo, shadingLab], ([lf, lp, ls]) => paintSkin(lf, lp, ls.l, plan, p));
      });
      plans.forEach((plan, k) => {
        inFrame(k, [flat, photo], ([lf, lp]) => {
          if (plan.ring) paintHair(lf, plan.ring, p.hairHighlight, plan.roi);
          if (plan.landmarks && plan.sample && plan.skin) paintFace(lf, lp, plan);
        });
      });
    },
    restoreSkin(img, photo) {
      plans.forEach((plan, k) => {
        if (!plan.skin || !plan.measure) return;
        inFrame(k, [img, photo], ([li, lp]) => {
          const target = trimmedMeanLab(lp, plan.measure as Float32Array, 0.15);
          if (target) restoreMean(li, target, plan.measure as Float32Array, plan.skin as Float32Array, 0.15);
        });
      });
    },
    adjustInk(ink) {
      // Photo texture inside hair inks as scribble; keep only its strongest strokes.
      for (let i = 0; i < n; i++) if (hair[i] > 0) ink[i] *= 1 - 0.6 * hair[i];
      plans.forEach((plan, k) => {
        if (!plan.landmarks) return;
        const f = frames[k];
        const local = cropPlane(ink, width, f);
        inkFace(local, f.w, f.h, plan);
        pastePlane(ink, width, f, local);
      });
    },
    restoreSkinFinal(out, original) {
      plans.forEach((plan, k) => {
        if (!plan.skin) return;
        const f = frames[k];
        // Judge on face pixels (forced skin in the oval, colour-matched skin elsewhere).
        const zone = cropPlane(faceZone, width, f);
        const region = plan.checkRegion.map((v, i) => (v > 0.5 && zone[i] > 0.5 ? 1 : 0));
        const target = trimmedMeanRgbAsLab(cropRgb(original, f), region, 0.15);
        if (!target) return;
        inFrame(k, [out], ([lo]) => restoreMean(lo, target, region, plan.skin as Float32Array, 0.15));
      });
    },
    paintOver(out, params) {
      if (params.catchlights <= 0) return;
      plans.forEach((plan, k) => {
        const f = frames[k];
        for (const eye of plan.eyes) {
          if (!eye.open) continue;
          const r = eye.irisRadius;
          const b = bounds(eye.outline);
          const lights: Array<[number, number, number]> = [
            [eye.centre.x - r * 0.32, eye.centre.y - r * 0.34, Math.max(1.1, r * 0.3)],
            [eye.centre.x + r * 0.34, eye.centre.y + r * 0.3, Math.max(0.7, r * 0.13)],
          ];
          for (let y = Math.max(0, Math.floor(b.minY)); y <= Math.min(f.h - 1, Math.ceil(b.maxY)); y++) {
            for (let x = Math.max(0, Math.floor(b.minX)); x <= Math.min(f.w - 1, Math.ceil(b.maxX)); x++) {
              // Clipped to the eye so a catchlight never floats on the lid.
              if (!pointInPolygon(x + 0.5, y + 0.5, eye.outline)) continue;
              let c = 0;
              for (const [lx, ly, lr] of lights) c = Math.max(c, Math.min(1, Math.max(0, lr - Math.hypot(x + 0.5 - lx, y + 0.5 - ly) + 0.5)));
              c *= params.catchlights;
              if (c <= 0) continue;
              const i = (f.y0 + y) * width + f.x0 + x;
              out.l[i] += (100 - out.l[i]) * c;
              out.a[i] *= 1 - c;
              out.b[i] *= 1 - c;
            }
          }
        }
      });
    },
  };
}

/**
 * One face's skin weight in its frame: sample the cheeks, grow by colour, force the face oval,
 * and record the measure region. Null when no skin sample could be taken.
 */
function faceSkin(lab: LabImage, person: Float32Array, plan: FacePlan, segmented: boolean): Float32Array | null {
  const { width, height } = lab;
  const n = width * height;
  const box = plan.box;
  const roi = plan.roi;
  const where = new Uint8Array(n);
  let filled = 0;
  if (plan.landmarks) {
    const lm = plan.landmarks;
    const cov = new Float32Array(n);
    fillPolygon(cov, width, height, lm.faceOval);
    plan.oval = cov;
    const holes = new Float32Array(n);
    for (const poly of [lm.leftEye, lm.rightEye, lm.leftEyebrow, lm.rightEyebrow, lm.lips]) fillPolygon(holes, width, height, poly);
    const grown = dilate(holes, width, height, Math.max(1, Math.round(plan.size * 0.03)), plan.faceRoi);
    const eyeY = (centroid(lm.leftEye).y + centroid(lm.rightEye).y) / 2;
    const lipsTop = bounds(lm.lips).minY;
    for (let y = 0; y < height; y++) {
      if (y <= eyeY || y >= lipsTop) continue;
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        if (cov[i] > 0.5 && grown[i] < 0.5) {
          where[i] = 1;
          filled++;
        }
      }
    }
  }
  if (filled < 8) {
    const r = clampBox(
      { x: box.x + box.width * 0.22, y: box.y + box.height * 0.42, width: box.width * 0.56, height: box.height * 0.3 },
      width,
      height,
    );
    for (let y = r.y0; y <= r.y1; y++) for (let x = r.x0; x <= r.x1; x++) where[y * width + x] = 1;
  }
  const sample = sampleSkin(lab, where);
  if (!sample) return null;
  plan.sample = sample;
  const reach = clampBox(
    { x: box.x - box.width * 0.6, y: box.y - box.height * 0.35, width: box.width * 2.2, height: box.height * 3.2 },
    width,
    height,
  );
  let w: Float32Array = new Float32Array(n);
  skinLikelihood(lab, sample, reach, w);
  if (plan.landmarks) forceFaceSkin(w, plan, width, height);
  // Beyond the face, a colour match counts only on the person: anywhere on a segmented person
  // (arms, hands), but only the neck below the chin when the person is just a box, because a
  // beige wall beside a light face matches skin colour just as well.
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const eyeLine = plan.landmarks ? (centroid(plan.landmarks.leftEye).y + centroid(plan.landmarks.rightEye).y) / 2 : box.y + box.height * 0.45;
  for (let y = reach.y0; y <= reach.y1; y++) {
    for (let x = reach.x0; x <= reach.x1; x++) {
      const i = y * width + x;
      if (w[i] <= 0) continue;
      const dx = (x + 0.5 - cx) / (box.width * 0.6);
      const dy = (y + 0.5 - cy) / (box.height * 0.65);
      const inFace = dx * dx + dy * dy <= 1 ? 1 : 0;
      const neck = y > box.y + box.height * 0.7 && Math.abs(x + 0.5 - cx) < box.width * 0.3 ? 1 : 0;
      // Above the eyes and outside the face is hair or hat, even when blonde hair matches skin.
      const belowEyes = y > eyeLine ? 1 : 0;
      const onPerson = Math.min(1, person[i] * 1.5) * (segmented ? belowEyes : neck);
      w[i] *= Math.max(inFace && !plan.oval ? 1 : 0, plan.oval ? plan.oval[i] : 0, onPerson);
    }
  }
  w = gaussianBlur(w, width, height, 1, undefined, roi);
  // Where skin tone is judged: the whole oval minus features (grown) when landmarks exist, the
  // middle of the box otherwise.
  const measure = new Float32Array(n);
  if (plan.landmarks) {
    const lm = plan.landmarks;
    const oval = plan.oval as Float32Array;
    const cut = new Float32Array(n);
    for (const poly of [lm.leftEye, lm.rightEye, lm.leftEyebrow, lm.rightEyebrow, lm.lips]) {
      if (poly.length >= 3) fillPolygon(cut, width, height, scalePolygon(poly, 1.5));
    }
    for (let i = 0; i < n; i++) measure[i] = oval[i] >= 0.5 && cut[i] < 0.5 ? 1 : 0;
  } else {
    for (let y = reach.y0; y <= reach.y1; y++) {
      for (let x = reach.x0; x <= reach.x1; x++) {
        const i = y * width + x;
        const dx = (x + 0.5 - cx) / (box.width * 0.32);
        const dy = (y + 0.5 - (box.y + box.height * 0.55)) / (box.height * 0.35);
        if (dx * dx + dy * dy <= 1 && w[i] > 0.5) measure[i] = 1;
      }
    }
  }
  plan.skin = w;
  plan.measure = measure;
  return w;
}

/**
 * Inside the face oval, from the brows down to the nose tip, is skin whatever its colour (lit and
 * shadowed cheeks differ a lot in lightness), except eyes, brows and lips, and the eye band when
 * the person wears glasses. Below the nose, colour decides (beards and moustaches stay).
 */
function forceFaceSkin(w: Float32Array, plan: FacePlan, width: number, height: number): void {
  const n = width * height;
  const lm = plan.landmarks as FaceLandmarks;
  const s = plan.size;
  const roi = plan.faceRoi;
  const oval = plan.oval as Float32Array;
  const core = erode(oval, width, height, Math.max(1, Math.round(s * 0.02)), roi);
  const features = new Float32Array(n);
  for (const poly of [lm.leftEye, lm.rightEye, lm.leftEyebrow, lm.rightEyebrow, lm.lips]) fillPolygon(features, width, height, poly);
  const grown = dilate(features, width, height, Math.max(1, Math.round(s * 0.03)), roi);
  const browY = Math.min(bounds(lm.leftEyebrow.length ? lm.leftEyebrow : lm.leftEye).maxY, bounds(lm.rightEyebrow.length ? lm.rightEyebrow : lm.rightEye).maxY);
  let noseY = bounds(lm.nose.length ? lm.nose : lm.lips).maxY;
  noseY = Math.min(noseY + s * 0.02, bounds(lm.lips).minY);
  const eyeTop = Math.min(bounds(lm.leftEye).minY, bounds(lm.rightEye).minY) - s * 0.08;
  const eyeBottom = Math.max(bounds(lm.leftEye).maxY, bounds(lm.rightEye).maxY) + s * 0.1;
  const lower = new Float32Array(n);
  forRoi(roi, width, (i, y) => {
    if (oval[i] <= 0) return;
    if (y > browY) lower[i] = oval[i] * Math.min(1, (y - browY) / Math.max(1, s * 0.05));
    if (core[i] <= 0 || y > noseY) return;
    if (plan.glasses && y >= eyeTop && y <= eyeBottom) return;
    const f = core[i] * (1 - grown[i]) * 0.95;
    if (f > w[i]) w[i] = f;
  });
  plan.lowerFace = lower;
}

/**
 * Skin in two tones. Base is the face's own mean colour; shadow is darker and a little warmer, by a
 * step relative to the skin's lightness so dark skin keeps readable shading too. Bright specular
 * patches fold into the base (anime skin has no photographic shine).
 */
function paintSkin(flat: LabImage, photo: LabImage, shading: Float32Array, plan: FacePlan, p: StyleParams): void {
  const skinW = plan.skin as Float32Array;
  const measure = plan.measure as Float32Array;
  let sw = 0;
  let rl = 0;
  let ra = 0;
  let rb = 0;
  let sl = 0;
  const roi = plan.roi;
  const width = flat.width;
  forRoi(roi, width, (i) => {
    const w = measure[i];
    if (w <= 0) return;
    sw += w;
    rl += w * photo.l[i];
    ra += w * photo.a[i];
    rb += w * photo.b[i];
    sl += w * shading[i];
  });
  if (sw <= 0) return;
  rl /= sw;
  ra /= sw;
  rb /= sw;
  sl /= sw;
  const step = Math.max(p.skinBandStep, rl * 0.14);
  const split = sl - step;
  const shadowL = rl - step * 1.3;
  const shadowA = ra * 1.08 + 1.5;
  const shadowB = rb * 1.02;
  forRoi(roi, width, (i) => {
    const w = skinW[i];
    if (w <= 0.02) return;
    const t = Math.min(1, Math.max(0, (shading[i] - split + 1.2) / 2.4));
    const tl = shadowL + (rl - shadowL) * t;
    const ta = shadowA + (ra - shadowA) * t;
    const tb = shadowB + (rb - shadowB) * t;
    const c = Math.min(1, w * 1.25);
    flat.l[i] += (tl - flat.l[i]) * c;
    flat.a[i] += (ta - flat.a[i]) * c;
    flat.b[i] += (tb - flat.b[i]) * c;
  });
}

function paintHair(flat: LabImage, ring: Float32Array, strength: number, roi: Roi): void {
  forRoi(roi, flat.width, (i) => {
    const c = ring[i] * strength;
    if (c <= 0) return;
    // A lighter band of the hair's own hue: dark hair gets a strong lift, light hair a gentle one.
    const l = flat.l[i];
    const target = Math.min(92, l + 11 + (100 - l) * 0.12);
    flat.l[i] = l + (target - l) * c;
    flat.a[i] *= 1 - 0.25 * c;
    flat.b[i] *= 1 - 0.25 * c;
  });
}

/** Clean eyes (iris + catchlight-ready), uniform nose skin and simplified lips on the flat image. */
function paintFace(flat: LabImage, photo: LabImage, plan: FacePlan): void {
  const { width, height } = flat;
  const n = width * height;
  const lm = plan.landmarks as FaceLandmarks;
  const skinW = plan.skin as Float32Array;
  const measure = plan.measure as Float32Array;
  const roi = plan.faceRoi;
  // Face base tone in the flat image (before restore; restore shifts it consistently later).
  let sw = 0;
  let bl = 0;
  let ba = 0;
  let bb = 0;
  forRoi(roi, width, (i) => {
    const w = measure[i];
    if (w <= 0) return;
    sw += w;
    bl += w * flat.l[i];
    ba += w * flat.a[i];
    bb += w * flat.b[i];
  });
  if (sw <= 0) return;
  bl /= sw;
  ba /= sw;
  bb /= sw;

  // Lips: a soft tint between skin and the photo's lip colour (anime mouths are barely coloured);
  // an open mouth gets a dark interior with the teeth kept as a white band.
  const cov = new Float32Array(n);
  fillPolygon(cov, width, height, lm.lips);
  let cl = 0;
  let ca = 0;
  let cb = 0;
  let cc = 0;
  forRoi(roi, width, (i) => {
    if (cov[i] < 0.9) return;
    cl += photo.l[i];
    ca += photo.a[i];
    cb += photo.b[i];
    cc++;
  });
  if (cc > 0) {
    const tl = bl + (cl / cc - bl) * 0.35;
    const ta = ba + (ca / cc - ba) * 0.55;
    const tb = bb + (cb / cc - bb) * 0.45;
    const soft = gaussianBlur(cov, width, height, 0.8, undefined, roi);
    forRoi(roi, width, (i) => {
      const c = soft[i];
      if (c <= 0.01) return;
      flat.l[i] += (tl - flat.l[i]) * c;
      flat.a[i] += (ta - flat.a[i]) * c;
      flat.b[i] += (tb - flat.b[i]) * c;
    });
  }
  const inner = mouthOpening(lm);
  if (inner) {
    const mc = new Float32Array(n);
    fillPolygon(mc, width, height, inner);
    forRoi(roi, width, (i) => {
      const c = mc[i];
      if (c <= 0) return;
      // Teeth: brighter than the face's skin and not red; everything else is the dark mouth.
      const teeth = photo.l[i] > Math.min(70, bl + 6) && photo.a[i] < 16;
      const tl = teeth ? 94 : 26;
      const ta = teeth ? 0 : 24;
      const tb = teeth ? 3 : 11;
      flat.l[i] += (tl - flat.l[i]) * c;
      flat.a[i] += (ta - flat.a[i]) * c;
      flat.b[i] += (tb - flat.b[i]) * c;
    });
  }

  // Eyes: white-ish sclera, a glossy iris that is darker at the top, and a pupil.
  for (const eye of plan.eyes) {
    if (!eye.open) continue;
    const cov = new Float32Array(n);
    fillPolygon(cov, width, height, eye.outline);
    const r = eye.irisRadius;
    const { x: ix, y: iy } = eye.centre;
    let il = 0;
    let ia = 0;
    let ib = 0;
    let ic = 0;
    forEllipse(width, height, ix, iy, r * 0.7, r * 0.7, (i) => {
      il += photo.l[i];
      ia += photo.a[i];
      ib += photo.b[i];
      ic++;
    });
    if (ic === 0) continue;
    il = Math.min(42, il / ic);
    ia /= ic;
    ib /= ic;
    const b = bounds(eye.outline);
    for (let y = Math.max(0, Math.floor(b.minY)); y <= Math.min(height - 1, Math.ceil(b.maxY)); y++) {
      for (let x = Math.max(0, Math.floor(b.minX)); x <= Math.min(width - 1, Math.ceil(b.maxX)); x++) {
        const i = y * width + x;
        const c = cov[i];
        if (c <= 0) continue;
        const dx = x + 0.5 - ix;
        const dy = y + 0.5 - iy;
        const d = Math.sqrt(dx * dx + dy * dy) / r;
        let tl: number;
        let ta: number;
        let tb: number;
        if (d < 1) {
          const g = Math.min(1, Math.max(0, (dy / r + 1) / 2));
          tl = d < 0.42 ? il * 0.3 : il * (0.55 + 0.75 * g);
          ta = ia * 1.3;
          tb = ib * 1.3;
        } else {
          // Sclera only where the photo is actually bright (else it is lid shadow): lift, not bleach.
          tl = photo.l[i] > il + 20 ? Math.max(flat.l[i], Math.min(90, photo.l[i] + 10)) : flat.l[i];
          ta = flat.a[i] * 0.4;
          tb = flat.b[i] * 0.4;
        }
        const e = d < 1 ? c : c * Math.min(1, (d - 1) * r * 0.7);
        flat.l[i] += (tl - flat.l[i]) * e;
        flat.a[i] += (ta - flat.a[i]) * e;
        flat.b[i] += (tb - flat.b[i]) * e;
      }
    }
  }
}

function checkRegion(face: FaceAnalysis, width: number, height: number): Float32Array {
  const n = width * height;
  const region = new Float32Array(n);
  const lm = face.landmarks;
  if (usableLandmarks(lm)) {
    fillPolygon(region, width, height, lm.faceOval);
    const cut = new Float32Array(n);
    for (const poly of [lm.leftEye, lm.rightEye, lm.leftEyebrow, lm.rightEyebrow, lm.lips]) {
      if (poly.length >= 3) fillPolygon(cut, width, height, scalePolygon(poly, 1.35));
    }
    // Only the lower part of the forehead: fringes and hat brims sit above it.
    const brows = [...lm.leftEyebrow, ...lm.rightEyebrow];
    const ovalTop = bounds(lm.faceOval).minY;
    const browTop = brows.length ? bounds(brows).minY : ovalTop;
    const top = browTop - (browTop - ovalTop) * 0.4;
    for (let i = 0; i < n; i++) region[i] = region[i] >= 0.5 && cut[i] <= 0 && ((i / width) | 0) >= top ? 1 : 0;
    return region;
  }
  const { x, y, width: w, height: h } = face.box;
  fillPolygon(region, width, height, ellipsePoints(x + w / 2, y + h * 0.55, w * 0.3, h * 0.33));
  for (let i = 0; i < n; i++) region[i] = region[i] >= 0.5 ? 1 : 0;
  return region;
}

function ellipsePoints(cx: number, cy: number, rx: number, ry: number): Point[] {
  const out: Point[] = [];
  for (let k = 0; k < 48; k++) {
    const t = (k / 48) * Math.PI * 2;
    out.push({ x: cx + Math.cos(t) * rx, y: cy + Math.sin(t) * ry });
  }
  return out;
}

/** Trimmed mean Lab of `image` over `mask`, converting only the masked pixels. */
function trimmedMeanRgbAsLab(image: RgbImage, mask: Float32Array, trim: number): [number, number, number] | null {
  const idx: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] > 0.5) idx.push(i);
  if (!idx.length) return null;
  const lab = { width: idx.length, height: 1, l: new Float32Array(idx.length), a: new Float32Array(idx.length), b: new Float32Array(idx.length) };
  const px: [number, number, number] = [0, 0, 0];
  for (let k = 0; k < idx.length; k++) {
    const o = idx[k] * 3;
    rgbToLabPixel(image.data[o], image.data[o + 1], image.data[o + 2], px);
    lab.l[k] = px[0];
    lab.a[k] = px[1];
    lab.b[k] = px[2];
  }
  return trimmedMeanLab(lab, new Float32Array(idx.length).fill(1), trim);
}

/** Head-and-shoulders region of a face: hair above and beside it, neck and chest skin below. */
function headRoi(box: Box, width: number, height: number): Roi {
  return {
    x0: Math.max(0, Math.floor(box.x - box.width * 0.95)),
    y0: Math.max(0, Math.floor(box.y - box.height * 1.15)),
    x1: Math.min(width - 1, Math.ceil(box.x + box.width * 1.95)),
    y1: Math.min(height - 1, Math.ceil(box.y + box.height * 2.9)),
  };
}

function forRoi(roi: Roi, width: number, fn: (i: number, y: number) => void): void {
  for (let y = roi.y0; y <= roi.y1; y++) {
    const row = y * width;
    for (let x = roi.x0; x <= roi.x1; x++) fn(row + x, y);
  }
}

function erodeSoft(mask: Float32Array, width: number, height: number, radius: number, roi: Roi): Float32Array {
  return gaussianBlur(erode(mask, width, height, radius, roi), width, height, Math.min(4, radius * 0.5), undefined, roi);
}

function forEllipse(
  width: number,
  height: number,
  cx: number,
  cy: number,
  rx: number,
  ry: number,
  fn: (i: number, d: number) => void,
): void {
  const x0 = Math.max(0, Math.floor(cx - rx));
  const x1 = Math.min(width - 1, Math.ceil(cx + rx));
  const y0 = Math.max(0, Math.floor(cy - ry));
  const y1 = Math.min(height - 1, Math.ceil(cy + ry));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = (x + 0.5 - cx) / rx;
      const dy = (y + 0.5 - cy) / ry;
      const d = dx * dx + dy * dy;
      if (d < 1) fn(y * width + x, d);
    }
  }
}

/** The mouth opening polygon when the mouth is visibly open, else null. */
function mouthOpening(lm: FaceLandmarks): Point[] | null {
  if (!lm.innerLips || lm.innerLips.length < 3) return null;
  const ob = bounds(lm.lips);
  const ib = bounds(lm.innerLips);
  const w = ob.maxX - ob.minX;
  return w > 0 && (ib.maxY - ib.minY) / w > 0.16 ? lm.innerLips : null;
}

/** Upper lid: outline points above the corner-to-corner line, ordered from one corner to the other. */
function upperLid(outline: Point[]): Point[] {
  let a = outline[0];
  let b = outline[0];
  for (const q of outline) {
    if (q.x < a.x) a = q;
    if (q.x > b.x) b = q;
  }
  const upper = outline.filter((q) => {
    const t = (q.x - a.x) / Math.max(1e-6, b.x - a.x);
    return q.y < a.y + (b.y - a.y) * t - 0.3;
  });
  return [a, ...upper.sort((p, q) => p.x - q.x), b];
}

function lowerLid(outline: Point[]): Point[] {
  let a = outline[0];
  let b = outline[0];
  for (const q of outline) {
    if (q.x < a.x) a = q;
    if (q.x > b.x) b = q;
  }
  const lower = outline.filter((q) => {
    const t = (q.x - a.x) / Math.max(1e-6, b.x - a.x);
    return q.y > a.y + (b.y - a.y) * t + 0.3;
  });
  return [a, ...lower.sort((p, q) => p.x - q.x), b];
}

/** Eyebrow centre line: mean y in a few x bins. */
function browLine(outline: Point[]): Point[] {
  const b = bounds(outline);
  const bins = 5;
  const out: Point[] = [];
  for (let k = 0; k < bins; k++) {
    const lo = b.minX + ((b.maxX - b.minX) * k) / bins;
    const hi = b.minX + ((b.maxX - b.minX) * (k + 1)) / bins;
    const pts = outline.filter((q) => q.x >= lo - 1e-6 && q.x <= hi + 1e-6);
    if (pts.length) out.push(centroid(pts));
  }
  return out;
}

function inkFace(ink: Float32Array, width: number, height: number, plan: FacePlan): void {
  const n = width * height;
  const lm = plan.landmarks as FaceLandmarks;
  const s = plan.size;
  const roi = plan.faceRoi;
  const faceCx = bounds(lm.faceOval).minX + s / 2;
  // Photo lines inside nose and lips read as wrinkles; remove them, then draw clean strokes.
  const quiet = new Float32Array(n);
  const nb = bounds(lm.nose);
  forEllipse(width, height, (nb.minX + nb.maxX) / 2, (nb.minY + nb.maxY) / 2 + s * 0.02, Math.max(s * 0.14, (nb.maxX - nb.minX) * 0.75), Math.max(s * 0.12, (nb.maxY - nb.minY) * 0.65), (i, d) => {
    quiet[i] = Math.max(quiet[i], Math.min(1, (1 - d) * 2));
  });
  const lips = new Float32Array(n);
  fillPolygon(lips, width, height, lm.lips);
  const lipsGrown = dilate(lips, width, height, Math.max(1, Math.round(s * 0.025)), roi);
  // Anime faces have almost no interior lines (no smile folds, no wrinkles): inside the face oval,
  // away from eyes and brows, photo lines are mostly removed.
  const inside = erodeSoft(plan.oval as Float32Array, width, height, Math.max(1, Math.round(s * 0.06)), roi);
  const keep = new Float32Array(n);
  for (const poly of [lm.leftEye, lm.rightEye, lm.leftEyebrow, lm.rightEyebrow]) fillPolygon(keep, width, height, poly);
  const keepGrown = dilate(keep, width, height, Math.max(1, Math.round(s * 0.05)), roi);
  forRoi(roi, width, (i) => {
    const face = inside[i] * (1 - keepGrown[i]) * 0.85;
    const q = Math.max(quiet[i], lipsGrown[i], face);
    if (q > 0) ink[i] *= 1 - q * 0.9;
  });

  const draw = new Float32Array(n);
  // Lashes: thick along the upper lid, heavier at the outer corner; a light lower lid.
  for (const eye of plan.eyes) {
    let lid = upperLid(eye.outline);
    if (Math.abs(lid[0].x - faceCx) > Math.abs(lid[lid.length - 1].x - faceCx)) lid = lid.reverse();
    strokePolyline(draw, width, height, lid, Math.max(1, s * 0.012), Math.max(1.6, s * 0.032), 1);
    const outer = lid[lid.length - 1];
    const dir = outer.x > faceCx ? 1 : -1;
    strokePolyline(draw, width, height, [outer, { x: outer.x + dir * s * 0.03, y: outer.y - s * 0.015 }], Math.max(1.4, s * 0.022), 0.8, 1);
    if (eye.open) strokePolyline(draw, width, height, lowerLid(eye.outline), Math.max(0.8, s * 0.006), Math.max(0.8, s * 0.008), 0.45);
  }
  // Brows: one tapered stroke each, thick at the inner end.
  for (const brow of [lm.leftEyebrow, lm.rightEyebrow]) {
    if (brow.length < 2) continue;
    let line = browLine(brow);
    if (line.length < 2) continue;
    if (Math.abs(line[0].x - faceCx) > Math.abs(line[line.length - 1].x - faceCx)) line = line.reverse();
    strokePolyline(draw, width, height, line, Math.max(1.2, s * 0.022), Math.max(0.8, s * 0.01), 0.85);
  }
  // Nose: a short tick on the shadow side of the tip.
  if (lm.nose.length) {
    let tip = lm.nose[0];
    for (const q of lm.nose) if (q.y > tip.y) tip = q;
    strokePolyline(
      draw,
      width,
      height,
      [
        { x: tip.x + s * 0.025, y: tip.y - s * 0.035 },
        { x: tip.x + s * 0.012, y: tip.y + s * 0.004 },
      ],
      Math.max(0.9, s * 0.012),
      Math.max(0.7, s * 0.006),
      0.5,
    );
  }
  // Mouth: the opening's outline when open; else one clean line along where the lips meet.
  const lb = bounds(lm.lips);
  const lipsW = lb.maxX - lb.minX;
  let left = lm.lips[0];
  let right = lm.lips[0];
  for (const q of lm.lips) {
    if (q.x < left.x) left = q;
    if (q.x > right.x) right = q;
  }
  const opening = mouthOpening(lm);
  const mouthW = Math.max(0.9, s * 0.014);
  if (opening) {
    strokePolyline(draw, width, height, [...opening, opening[0]], mouthW, mouthW, 0.85);
  } else if (lm.innerLips && lm.innerLips.length >= 3) {
    const line = browLine(lm.innerLips);
    const inset = lipsW * 0.04;
    strokePolyline(draw, width, height, [{ x: left.x + inset, y: left.y }, ...line, { x: right.x - inset, y: right.y }].sort((p, q) => p.x - q.x), mouthW, mouthW, 0.85);
  } else if (lipsW > 0 && (lb.maxY - lb.minY) / lipsW > 0.42) {
    strokePolyline(draw, width, height, [...lm.lips, lm.lips[0]], mouthW * 0.7, mouthW * 0.7, 0.8);
  } else {
    const midY = lb.minY + (lb.maxY - lb.minY) * 0.5;
    const cornersY = (left.y + right.y) / 2;
    const control = { x: (left.x + right.x) / 2, y: midY + (midY - cornersY) * 0.6 };
    const inset = lipsW * 0.06;
    strokePolyline(
      draw,
      width,
      height,
      quadraticCurve({ x: left.x + inset, y: left.y }, control, { x: right.x - inset, y: right.y }, 14),
      mouthW,
      mouthW,
      0.85,
    );
  }
  forRoi(roi, width, (i) => {
    if (draw[i] > ink[i]) ink[i] = draw[i];
  });
}
