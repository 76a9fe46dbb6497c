/**
 * Face and hair treatment driven by the analysis: bigger eyes (smooth warp), own-skin masks and
 * tone restore, angel-ring hair highlights, simplified nose and mouth, drawn lashes, brows and
 * catchlights. Faces without landmarks still get skin handling from their box.
 */
import type { RgbImage } from '../core/raster.js';
import type { Box, FaceAnalysis, FaceLandmarks, Point, SceneAnalysis } from '../core/types.js';
import { boxBlur, gaussianBlur } from './ops/blur.js';
import { type LabImage, rgbToLab, rgbToLabPixel } from './ops/color.js';
import { bounds, centroid, fillPolygon, pointInPolygon, quadraticCurve, scalePolygon, strokePolyline } from './ops/draw.js';
import { angelRing, findHair } from './ops/hair.js';
import { dilate } from './ops/morphology.js';
import { type SkinSample, restoreMean, sampleSkin, skinLikelihood, smoothstep, trimmedMeanLab } from './ops/skin.js';
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
  /**
   * 0..1 over faces too small for drawn features (1 - detail, over each face's oval): smoothing,
   * line weight and ink back off there so the few pixels of eyes, nose and mouth survive.
   */
  small: Float32Array;
  /** 0..1: each face's area (a soft ellipse just beyond the face), whatever its pixels look like. */
  area: Float32Array;
  /** True when at least one face was prepared. */
  any: boolean;
  /**
   * Repaint skin as two anime tones (base and shadow, split on the wide-blurred `shading`), then
   * hair highlights, eyes, nose and lips, on the flat cel image.
   */
  paintFlat(flat: LabImage, photo: LabImage, shading: Float32Array, smooth: LabImage): void;
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
  /**
   * 0..1 drawing budget by face size: 1 on faces big enough for drawn anime features, falling to 0
   * on small faces, where a 2 px lash or a repainted iris is a large share of the face and replaces
   * the few pixels that make it a face. Small faces keep their photo features, cleaned.
   */
  detail: number;
  landmarks?: FaceLandmarks;
  eyes: EyePlan[];
  sample: SkinSample | null;
  skin: Float32Array | null;
  measure: Float32Array | null;
  ring: Float32Array | null;
  glasses: boolean;
  /** 0..1 in the face's frame: strong dark photo lines around the eyes (glasses frames), or null. */
  frames: Float32Array | null;
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

/** Drawing budget by face width: none below ~24 px, full from ~72 px. */
function faceDetail(size: number): number {
  return smoothstep(24, 72, size);
}

/**
 * 1 for a face turned toward the camera, falling to 0 for a profile (nose far off the oval's middle):
 * the mesh is unreliable on profiles, and drawn frontal eyes and lashes look wrong on them.
 */
function frontal(lm: FaceLandmarks): number {
  const ob = bounds(lm.faceOval);
  const w = ob.maxX - ob.minX;
  if (w <= 0 || !lm.nose.length) return 1;
  const yaw = Math.abs(centroid(lm.nose).x - (ob.minX + ob.maxX) / 2) / w;
  return 1 - smoothstep(0.12, 0.28, yaw);
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
    const detail = faceDetail(size) * (lm0 ? frontal(lm0) : 1);
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
          faceRegions.push({ cx: c.x, cy: c.y, rx: ew * 1.0, ry: Math.max(ew * 0.85, eh * 2.2), amount: p.eyeScale * detail });
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
        const irisRadius = lm0.irisRadius ? lm0.irisRadius * (1 + p.eyeScale * detail) : ew * 0.24;
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
      detail,
      landmarks: localLm,
      eyes,
      sample: null,
      skin: null,
      measure: null,
      ring: null,
      glasses: glassesOf.get(face) ?? false,
      frames: null,
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
    const localLab = cropLab(lab, f);
    const localSkin = faceSkin(localLab, cropPlane(person, width, f), plan, segmented);
    if (!localSkin) return;
    if (p.frameLines > 0) plan.frames = frameMask(localLab.l, f.w, f.h, plan);
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

  // Each face's area as a soft ellipse a little beyond the face's own bounds: silhouette, nose and
  // chin included, which colour-based skin masks miss where they meet a similar background.
  const area = new Float32Array(n);
  plans.forEach((plan, k) => {
    const f = frames[k];
    const b = plan.box;
    const cx = f.x0 + b.x + b.width / 2;
    const cy = f.y0 + b.y + b.height / 2;
    const rx = b.width * 0.62;
    const ry = b.height * 0.68;
    const x0 = Math.max(0, Math.floor(cx - rx));
    const x1 = Math.min(width - 1, Math.ceil(cx + rx));
    const y0 = Math.max(0, Math.floor(cy - ry));
    const y1 = Math.min(height - 1, Math.ceil(cy + ry));
    for (let y = y0; y <= y1; y++) {
      const dy = (y + 0.5 - cy) / ry;
      for (let x = x0; x <= x1; x++) {
        const dx = (x + 0.5 - cx) / rx;
        const v = 1 - smoothstep(0.65, 1, dx * dx + dy * dy);
        const i = y * width + x;
        if (v > area[i]) area[i] = v;
      }
    }
  });

  // Faces too small (or too turned) for drawn features: their whole area, by how far below budget.
  const small = new Float32Array(n);
  plans.forEach((plan, k) => {
    const d = 1 - plan.detail;
    if (d <= 0) return;
    const f = frames[k];
    for (let y = f.y0; y < f.y0 + f.h; y++) {
      for (let i = y * width + f.x0, end = i + f.w; i < end; i++) {
        const v = area[i] * d;
        if (v > small[i]) small[i] = v;
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
    small,
    area,
    any: plans.length > 0,
    paintFlat(flat, photo, shading, smooth) {
      const shadingLab: LabImage = { width, height, l: shading, a: shading, b: shading };
      plans.forEach((plan, k) => {
        if (!plan.skin || !plan.measure) return;
        inFrame(k, [flat, photo, shadingLab, smooth], ([lf, lp, ls, lm]) => paintSkin(lf, lp, ls.l, lm, plan, p));
      });
      plans.forEach((plan, k) => {
        inFrame(k, [flat, photo], ([lf, lp]) => {
          if (plan.ring) paintHair(lf, plan.ring, p.hairHighlight, plan.roi);
          if (plan.landmarks && plan.sample && plan.skin) paintFace(lf, lp, plan);
          if (plan.frames) paintFrames(lf, lp, plan.frames, plan.roi);
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
        const frame = plan.frames;
        if (frame) {
          const amount = p.frameLines * (0.6 + 0.4 * plan.detail);
          for (let j = 0; j < local.length; j++) {
            const v = frame[j] * amount;
            if (v > local[j]) local[j] = v;
          }
        }
        pastePlane(ink, width, f, local);
      });
    },
    restoreSkinFinal(out, original) {
      plans.forEach((plan, k) => {
        if (!plan.skin) return;
        const f = frames[k];
        // Judge on skin pixels of the check region (forced skin in the oval, colour-matched skin
        // elsewhere), never a hat brim or helmet inside the oval, whose colour change must not be
        // "corrected" onto the skin.
        const zone = cropPlane(faceZone, width, f);
        const skinW = plan.skin as Float32Array;
        let region = plan.checkRegion.map((v, i) => (v > 0.5 && zone[i] > 0.5 && skinW[i] > 0.5 ? 1 : 0));
        if (region.reduce((a, v) => a + v, 0) < 8) region = plan.checkRegion.map((v, i) => (v > 0.5 && zone[i] > 0.5 ? 1 : 0));
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
              c *= params.catchlights * plan.detail;
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
    const holeGrow = Math.max(1, Math.round(plan.size * 0.03));
    const grown = dilate(holes, width, height, holeGrow, polysRoi([lm.leftEye, lm.rightEye, lm.leftEyebrow, lm.rightEyebrow, lm.lips], holeGrow, plan.faceRoi));
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
  // Colour evidence alone, before the oval is forced to skin: what the skin's colour is measured on.
  const likeColour = w.slice();
  if (plan.landmarks) forceFaceSkin(w, plan, lab, sample);
  // Beyond the face, a colour match counts only on the person: anywhere on a segmented person
  // (arms, hands), but only the neck below the chin when the person is just a box, because a
  // beige wall beside a light face matches skin colour just as well.
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const eyeLine = plan.landmarks ? (centroid(plan.landmarks.leftEye).y + centroid(plan.landmarks.rightEye).y) / 2 : box.y + box.height * 0.45;
  // The landmark oval stops short of the hairline; the forehead above it is skin where its colour
  // matches and it is smooth (hair of the same colour, e.g. blonde, has strands), fading out within
  // a fifth of the face height, so there is never a seam along the oval's top.
  const ovalTop = plan.oval ? columnTops(plan.oval, width, height, reach) : null;
  const foreheadReach = Math.max(2, box.height * 0.22);
  const texture = localTexture(lab.l, width, height);
  for (let y = reach.y0; y <= reach.y1; y++) {
    for (let x = reach.x0; x <= reach.x1; x++) {
      const i = y * width + x;
      if (w[i] <= 0) continue;
      const dx = (x + 0.5 - cx) / (box.width * 0.6);
      const dy = (y + 0.5 - cy) / (box.height * 0.65);
      const inFace = 1 - smoothstep(0.85, 1.1, dx * dx + dy * dy);
      const neck = smoothstep(box.y + box.height * 0.62, box.y + box.height * 0.78, y) * (1 - smoothstep(box.width * 0.25, box.width * 0.35, Math.abs(x + 0.5 - cx)));
      // Above the eyes and outside the face is hair or hat, even when blonde hair matches skin.
      const belowEyes = smoothstep(eyeLine - box.height * 0.08, eyeLine + box.height * 0.04, y);
      // Hair that matches skin colour (blonde, grey) still has strands: smooth pixels only.
      const smooth = 1 - smoothstep(2.5, 5, texture[i]);
      const onPerson = Math.min(1, person[i] * 1.5) * (segmented ? belowEyes : neck) * smooth;
      let forehead = 0;
      if (ovalTop && y < ovalTop[x] && ovalTop[x] < height) forehead = (1 - smoothstep(0, foreheadReach, ovalTop[x] - y)) * smooth;
      w[i] *= Math.max(!plan.oval ? inFace : 0, plan.oval ? plan.oval[i] : 0, onPerson, forehead);
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
    // Only pixels that also look like this face's skin: a helmet, hat brim or hand inside the oval
    // (profiles, hats) would otherwise pull the skin colour toward its own.
    let inOval = 0;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      if (oval[i] < 0.5 || cut[i] >= 0.5) continue;
      inOval++;
      if (likeColour[i] > 0.5) {
        measure[i] = 1;
        kept++;
      }
    }
    // Heavy make-up or odd light can leave too little; then the whole oval it is.
    if (kept < Math.max(8, inOval * 0.3)) for (let i = 0; i < n; i++) measure[i] = oval[i] >= 0.5 && cut[i] < 0.5 ? 1 : 0;
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
function forceFaceSkin(w: Float32Array, plan: FacePlan, lab: LabImage, sample: SkinSample): void {
  const { width, height } = lab;
  const n = width * height;
  const lm = plan.landmarks as FaceLandmarks;
  const s = plan.size;
  const roi = plan.faceRoi;
  const oval = plan.oval as Float32Array;
  // The oval shrunk by ~2 % of the face width on each side (its rim is often jaw shadow or hair);
  // drawn from the landmarks rather than eroded, which costs a pass over the whole face.
  const core = new Float32Array(n);
  fillPolygon(core, width, height, scalePolygon(lm.faceOval, Math.max(0.5, 1 - (2 * Math.max(1, Math.round(s * 0.02))) / s)));
  const features = new Float32Array(n);
  for (const poly of [lm.leftEye, lm.rightEye, lm.leftEyebrow, lm.rightEyebrow, lm.lips]) fillPolygon(features, width, height, poly);
  const featureGrow = Math.max(1, Math.round(s * 0.03));
  const grown = dilate(features, width, height, featureGrow, polysRoi([lm.leftEye, lm.rightEye, lm.leftEyebrow, lm.rightEyebrow, lm.lips], featureGrow, roi));
  const browY = Math.min(bounds(lm.leftEyebrow.length ? lm.leftEyebrow : lm.leftEye).maxY, bounds(lm.rightEyebrow.length ? lm.rightEyebrow : lm.rightEye).maxY);
  let noseY = bounds(lm.nose.length ? lm.nose : lm.lips).maxY;
  noseY = Math.min(noseY + s * 0.02, bounds(lm.lips).minY);
  const eyeTop = Math.min(bounds(lm.leftEye).minY, bounds(lm.rightEye).minY) - s * 0.08;
  const eyeBottom = Math.max(bounds(lm.leftEye).maxY, bounds(lm.rightEye).maxY) + s * 0.1;
  const fade = Math.max(1, s * 0.04);
  const [, sa, sb] = sample.lab;
  const lower = new Float32Array(n);
  for (let y = roi.y0; y <= roi.y1; y++) {
    for (let i = y * width + roi.x0, end = y * width + roi.x1; i <= end; i++) {
      if (oval[i] <= 0) continue;
      if (y > browY) lower[i] = oval[i] * Math.min(1, (y - browY) / Math.max(1, s * 0.05));
      if (core[i] <= 0 || y > noseY + fade) continue;
      if (plan.glasses && y >= eyeTop && y <= eyeBottom) continue;
      // Lightness may differ a lot (lit and shadowed cheeks), hue may not: a helmet flap or hat inside
      // a profile's oval is not skin. The force fades out below the nose instead of stopping at a
      // line, which would show as a seam across the cheeks.
      const hue = 1 - smoothstep(18, 30, Math.hypot(lab.a[i] - sa, lab.b[i] - sb));
      const f = core[i] * (1 - grown[i]) * 0.95 * hue * (1 - smoothstep(noseY - fade, noseY + fade, y));
      if (f > w[i]) w[i] = f;
    }
  }
  plan.lowerFace = lower;
}

/**
 * Skin: the face's own mean colour carrying a softened copy of the photo's shading, with one anime
 * shadow step on top. The photo's low-frequency shading (eye sockets, the side of the nose, cheek
 * and jaw planes) is what makes a face read as a face, to people and to face and pose detectors
 * alike; a two-tone fill erases it. Pores and blemishes are gone (a face-scale blur of the photo's
 * lightness), shading contrast is reduced by `skinShading`, and the step follows the wide-blurred
 * `shading` so the anime shadow is still a few large shapes. The shadow is a little warmer, by a step
 * relative to the skin's lightness so dark skin keeps readable shading too.
 */
function paintSkin(flat: LabImage, photo: LabImage, shading: Float32Array, smooth: LabImage, plan: FacePlan, p: StyleParams): void {
  const skinW = plan.skin as Float32Array;
  const measure = plan.measure as Float32Array;
  let sw = 0;
  let rl = 0;
  let ra = 0;
  let rb = 0;
  let sl = 0;
  const roi = plan.roi;
  const width = flat.width;
  // Pores and small blemishes go, planes stay: a blur of ~1 % of the face width.
  const soft = gaussianBlur(photo.l, width, flat.height, Math.max(0.8, plan.size * 0.012), undefined, roi);
  let ml = 0;
  for (let y = roi.y0; y <= roi.y1; y++) {
    for (let i = y * width + roi.x0, end = y * width + roi.x1; i <= end; i++) {
      const w = measure[i];
      if (w <= 0) continue;
      sw += w;
      rl += w * photo.l[i];
      ra += w * photo.a[i];
      rb += w * photo.b[i];
      sl += w * shading[i];
      ml += w * soft[i];
    }
  }
  if (sw <= 0) return;
  rl /= sw;
  ra /= sw;
  rb /= sw;
  sl /= sw;
  ml /= sw;
  // How the photo's skin colour changes with its lightness (lit skin is paler, shadowed skin deeper
  // and redder), measured over the face's skin. Painting the face's mean colour everywhere makes a
  // large flat patch at a shadow-weighted chroma, which reads darker and more orange than the
  // photo's skin, whose lit parts are what a viewer takes for its colour (pale skin most of all).
  const tone = skinColourByLightness(soft, photo, measure, roi, width);
  const step = Math.max(p.skinBandStep, rl * 0.14);
  const split = sl - step;
  // With most of the photo's shading kept, the step itself is smaller: it marks the shadow's edge.
  // Small faces keep more of their shading: there is little else to recognise them by.
  const keep = p.skinShading + (1 - p.skinShading) * (1 - plan.detail) * 0.7;
  const oval = plan.oval ? gaussianBlur(plan.oval, width, flat.height, Math.max(1, plan.size * 0.04), undefined, roi) : null;
  const stepL = step * 1.3 * (1 - 0.6 * keep);
  const shadowA = ra * 0.08 + 1.5;
  const shadowB = rb * 0.02;
  for (let y = roi.y0; y <= roi.y1; y++) {
    for (let i = y * width + roi.x0, end = y * width + roi.x1; i <= end; i++) {
      const w = skinW[i];
      if (w <= 0.02) continue;
      const t = Math.min(1, Math.max(0, (shading[i] - split + 1.2) / 2.4));
      // Neck, chest and arms keep nearly all of their shading: their form is the body's pose.
      const kk = oval ? keep + (Math.max(keep, 0.9) - keep) * (1 - oval[i]) : keep;
      // Shading relative to the face's mean, compressed so it stays subtle; highlights are cut harder
      // than shadows in the crisp styles (anime skin has no photographic shine), while watercolour
      // keeps them: its skin is a graded wash whose lit parts set the skin's colour for the eye.
      let d = (soft[i] - ml) * kk;
      if (d > 0) d *= p.skinHighlights;
      const tl = rl + d - stepL * (1 - t);
      // Colour follows the painted lightness the way it does in the photo, plus a little of the
      // local colour beyond that (flushed cheeks), not enough for blotches.
      const ca = tone ? tone.at(tl, 0) : ra;
      const cb = tone ? tone.at(tl, 1) : rb;
      const ha = tone ? tone.at(smooth.l[i], 0) : ra;
      const hb = tone ? tone.at(smooth.l[i], 1) : rb;
      const ta = ca + (smooth.a[i] - ha) * 0.2 * kk + shadowA * (1 - t);
      const tb = cb + (smooth.b[i] - hb) * 0.2 * kk + shadowB * (1 - t);
      const c = Math.min(1, w * 1.25);
      flat.l[i] += (tl - flat.l[i]) * c;
      flat.a[i] += (ta - flat.a[i]) * c;
      flat.b[i] += (tb - flat.b[i]) * c;
    }
  }
}

/**
 * Mean a and b of the measured skin per lightness band (5 L wide), read back with linear
 * interpolation between the bands that hold enough skin and held flat beyond them. Null when the
 * skin spans too few bands to say anything (then the caller uses the mean colour).
 */
function skinColourByLightness(
  soft: Float32Array,
  photo: LabImage,
  measure: Float32Array,
  roi: Roi,
  width: number,
): { at(l: number, channel: 0 | 1): number } | null {
  const bins = 21;
  const w = new Float64Array(bins);
  const sa = new Float64Array(bins);
  const sb = new Float64Array(bins);
  let total = 0;
  for (let y = roi.y0; y <= roi.y1; y++) {
    for (let i = y * width + roi.x0, end = y * width + roi.x1; i <= end; i++) {
      const m = measure[i];
      if (m <= 0) continue;
      const k = Math.max(0, Math.min(bins - 1, Math.round(soft[i] / 5)));
      w[k] += m;
      sa[k] += m * photo.a[i];
      sb[k] += m * photo.b[i];
      total += m;
    }
  }
  const centres: number[] = [];
  const values: Array<[number, number]> = [];
  for (let k = 0; k < bins; k++) {
    if (w[k] < Math.max(6, total * 0.03)) continue;
    centres.push(k * 5);
    values.push([sa[k] / w[k], sb[k] / w[k]]);
  }
  if (centres.length < 2) return null;
  // Tabulated per whole L unit (interpolated between band centres, flat beyond them).
  const table = new Float32Array(202);
  let k = 0;
  for (let l = 0; l <= 100; l++) {
    while (k < centres.length - 2 && centres[k + 1] < l) k++;
    const t = Math.max(0, Math.min(1, (l - centres[k]) / (centres[k + 1] - centres[k])));
    table[l * 2] = values[k][0] + (values[k + 1][0] - values[k][0]) * t;
    table[l * 2 + 1] = values[k][1] + (values[k + 1][1] - values[k][1]) * t;
  }
  return {
    at(l: number, channel: 0 | 1): number {
      const x = l <= 0 ? 0 : l >= 100 ? 100 : l;
      const i = Math.min(99, x | 0);
      const t = x - i;
      return table[i * 2 + channel] * (1 - t) + table[i * 2 + 2 + channel] * t;
    },
  };
}

/** Glasses frames in their own colour (a little deeper), over the repainted skin. */
function paintFrames(flat: LabImage, photo: LabImage, frames: Float32Array, roi: Roi): void {
  const width = flat.width;
  for (let y = roi.y0; y <= roi.y1; y++) {
    for (let i = y * width + roi.x0, end = y * width + roi.x1; i <= end; i++) {
      const c = frames[i] * 0.9;
      if (c <= 0) continue;
      flat.l[i] += (photo.l[i] * 0.9 - flat.l[i]) * c;
      flat.a[i] += (photo.a[i] - flat.a[i]) * c;
      flat.b[i] += (photo.b[i] - flat.b[i]) * c;
    }
  }
}

function paintHair(flat: LabImage, ring: Float32Array, strength: number, roi: Roi): void {
  for (let y = roi.y0; y <= roi.y1; y++) {
    for (let i = y * flat.width + roi.x0, end = y * flat.width + roi.x1; i <= end; i++) {
      const c = ring[i] * strength;
      if (c <= 0) continue;
      // A lighter band of the hair's own hue: dark hair gets a strong lift, light hair a gentle one.
      const l = flat.l[i];
      const target = Math.min(92, l + 11 + (100 - l) * 0.12);
      flat.l[i] = l + (target - l) * c;
      flat.a[i] *= 1 - 0.25 * c;
      flat.b[i] *= 1 - 0.25 * c;
    }
  }
}

/** Clean eyes (iris + catchlight-ready), uniform nose skin and simplified lips on the flat image. */
function paintFace(flat: LabImage, photo: LabImage, plan: FacePlan): void {
  const { width, height } = flat;
  const n = width * height;
  const lm = plan.landmarks as FaceLandmarks;
  const skinW = plan.skin as Float32Array;
  const measure = plan.measure as Float32Array;
  const roi = plan.faceRoi;
  const amt = plan.detail;
  if (amt <= 0) return;
  // Face base tone in the flat image (before restore; restore shifts it consistently later).
  let sw = 0;
  let bl = 0;
  let ba = 0;
  let bb = 0;
  for (let y = roi.y0; y <= roi.y1; y++) {
    for (let i = y * width + roi.x0, end = y * width + roi.x1; i <= end; i++) {
      const w = measure[i];
      if (w <= 0) continue;
      sw += w;
      bl += w * flat.l[i];
      ba += w * flat.a[i];
      bb += w * flat.b[i];
    }
  }
  if (sw <= 0) return;
  bl /= sw;
  ba /= sw;
  bb /= sw;

  // Lips: a soft tint between skin and the photo's lip colour (anime mouths are barely coloured);
  // an open mouth keeps the photo's own mouth, cleaned (see below).
  const cov = new Float32Array(n);
  fillPolygon(cov, width, height, lm.lips);
  let cl = 0;
  let ca = 0;
  let cb = 0;
  let cc = 0;
  for (let y = roi.y0; y <= roi.y1; y++) {
    for (let i = y * width + roi.x0, end = y * width + roi.x1; i <= end; i++) {
      if (cov[i] < 0.9) continue;
      cl += photo.l[i];
      ca += photo.a[i];
      cb += photo.b[i];
      cc++;
    }
  }
  if (cc > 0) {
    const tl = bl + (cl / cc - bl) * 0.35;
    const ta = ba + (ca / cc - ba) * 0.55;
    const tb = bb + (cb / cc - bb) * 0.45;
    const soft = gaussianBlur(cov, width, height, 0.8, undefined, roi);
    for (let y = roi.y0; y <= roi.y1; y++) {
      for (let i = y * width + roi.x0, end = y * width + roi.x1; i <= end; i++) {
        const c = soft[i] * amt;
        if (c <= 0.01) continue;
        flat.l[i] += (tl - flat.l[i]) * c;
        flat.a[i] += (ta - flat.a[i]) * c;
        flat.b[i] += (tb - flat.b[i]) * c;
      }
    }
  }
  const inner = mouthOpening(lm);
  if (inner) {
    const mc = new Float32Array(n);
    fillPolygon(mc, width, height, inner);
    // The photo's own mouth, cleaned: teeth (brighter than the skin) go toward a clean off-white,
    // the rest toward a deep warm shadow, by a soft ramp so teeth never break into white blobs.
    const soft = gaussianBlur(photo.l, width, height, 0.7, undefined, roi);
    for (let y = roi.y0; y <= roi.y1; y++) {
      for (let i = y * width + roi.x0, end = y * width + roi.x1; i <= end; i++) {
        const c = mc[i] * amt;
        if (c <= 0) continue;
        const teeth = smoothstep(bl - 4, bl + 14, soft[i]) * (1 - smoothstep(14, 24, photo.a[i]));
        const tl = soft[i] + (30 + 62 * teeth - soft[i]) * 0.45;
        // The dark of the mouth is warmer than the skin by the skin's own chroma (none on a B&W photo).
        const ta = teeth * ba * 0.1 + (1 - teeth) * (photo.a[i] + ba * 0.25);
        const tb = teeth * bb * 0.15 + (1 - teeth) * photo.b[i] * 0.7;
        flat.l[i] += (tl - flat.l[i]) * c;
        flat.a[i] += (ta - flat.a[i]) * c;
        flat.b[i] += (tb - flat.b[i]) * c;
      }
    }
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
        const e = (d < 1 ? c : c * Math.min(1, (d - 1) * r * 0.7)) * amt;
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

/** Per column of `region`, the first row where `mask` exceeds 0.5 (height when none). */
function columnTops(mask: Float32Array, width: number, height: number, region: Roi): Float32Array {
  const tops = new Float32Array(width).fill(height);
  for (let x = region.x0; x <= region.x1; x++) {
    for (let y = region.y0; y <= region.y1; y++) {
      if (mask[y * width + x] > 0.5) {
        tops[x] = y;
        break;
      }
    }
  }
  return tops;
}

/** Local lightness std-dev (5x5): hair strands and fabric weave vs smooth skin. */
function localTexture(l: Float32Array, width: number, height: number): Float32Array {
  const n = width * height;
  const sq = new Float32Array(n);
  for (let i = 0; i < n; i++) sq[i] = l[i] * l[i];
  const mean = boxBlur(l, width, height, 2);
  const meanSq = boxBlur(sq, width, height, 2, sq);
  for (let i = 0; i < n; i++) meanSq[i] = Math.sqrt(Math.max(0, meanSq[i] - mean[i] * mean[i]));
  return meanSq;
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

/** Bounding rectangle of `polys` grown by `grow` px, clipped to `clip`: where a dilation can reach. */
function polysRoi(polys: ReadonlyArray<readonly Point[]>, grow: number, clip: Roi): Roi {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const poly of polys) {
    for (const q of poly) {
      if (q.x < x0) x0 = q.x;
      if (q.y < y0) y0 = q.y;
      if (q.x > x1) x1 = q.x;
      if (q.y > y1) y1 = q.y;
    }
  }
  if (x0 > x1) return clip;
  const roi = {
    x0: Math.max(clip.x0, Math.floor(x0 - grow - 1)),
    y0: Math.max(clip.y0, Math.floor(y0 - grow - 1)),
    x1: Math.min(clip.x1, Math.ceil(x1 + grow + 1)),
    y1: Math.min(clip.y1, Math.ceil(y1 + grow + 1)),
  };
  return roi.x0 <= roi.x1 && roi.y0 <= roi.y1 ? roi : clip;
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

/**
 * Strong dark lines of the photo around the eyes (glasses frames, mostly; the analysis need not say
 * "glasses"), 0..1 in the face's frame. The face smoothing and the skin repaint treat a frame as a
 * blemish across the skin and erase it, and the photo's lines inside the face are quieted, so these
 * are painted back in their own colour and inked. Only lines that are both narrow and much darker
 * than the face's skin count, so soft creases and eye bags stay out.
 */
function frameMask(photoL: Float32Array, width: number, height: number, plan: FacePlan): Float32Array | null {
  const lm = plan.landmarks;
  if (!lm || !plan.sample || plan.eyes.length < 2) return null;
  const s = plan.size;
  const eb = bounds([...lm.leftEye, ...lm.rightEye]);
  const brows = [...lm.leftEyebrow, ...lm.rightEyebrow];
  const top = (brows.length ? bounds(brows).minY : eb.minY - s * 0.12) - s * 0.03;
  const bottom = eb.maxY + s * 0.17;
  const ob = bounds(lm.faceOval);
  const roi: Roi = {
    x0: Math.max(0, Math.floor(ob.minX - s * 0.04)),
    y0: Math.max(0, Math.floor(top)),
    x1: Math.min(width - 1, Math.ceil(ob.maxX + s * 0.04)),
    y1: Math.min(height - 1, Math.ceil(bottom)),
  };
  if (roi.x1 <= roi.x0 || roi.y1 <= roi.y0) return null;
  const fine = gaussianBlur(photoL, width, height, 0.6, undefined, roi);
  const wide = gaussianBlur(photoL, width, height, Math.max(1.5, s * 0.03), undefined, roi);
  const skinL = plan.sample.lab[0];
  const out = new Float32Array(width * height);
  let any = false;
  for (let y = roi.y0; y <= roi.y1; y++) {
    // Fade in and out at the band's top and bottom so no straight edge shows.
    const edge = Math.max(0, Math.min(1, (y - top) / Math.max(1, s * 0.03), (bottom - y) / Math.max(1, s * 0.03)));
    for (let i = y * width + roi.x0, end = y * width + roi.x1; i <= end; i++) {
      const v = smoothstep(7, 14, wide[i] - fine[i]) * smoothstep(7, 15, skinL - fine[i]) * edge;
      if (v > 0) {
        out[i] = v;
        any = true;
      }
    }
  }
  return any ? out : null;
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
  const lipsGrow = Math.max(1, Math.round(s * 0.025));
  const lipsGrown = dilate(lips, width, height, lipsGrow, polysRoi([lm.lips], lipsGrow, roi));
  // Anime faces have almost no interior lines (no smile folds, no wrinkles): inside the face oval,
  // away from eyes and brows, photo lines are mostly removed.
  const inset = Math.max(1, Math.round(s * 0.06));
  const inside = new Float32Array(n);
  fillPolygon(inside, width, height, scalePolygon(lm.faceOval, Math.max(0.5, 1 - (2 * inset) / s)));
  gaussianBlur(inside, width, height, Math.min(4, inset * 0.5), inside, roi);
  const keep = new Float32Array(n);
  for (const poly of [lm.leftEye, lm.rightEye, lm.leftEyebrow, lm.rightEyebrow]) fillPolygon(keep, width, height, poly);
  const keepGrow = Math.max(1, Math.round(s * 0.05));
  const keepGrown = dilate(keep, width, height, keepGrow, polysRoi([lm.leftEye, lm.rightEye, lm.leftEyebrow, lm.rightEyebrow], keepGrow, roi));
  for (let y = roi.y0; y <= roi.y1; y++) {
    for (let i = y * width + roi.x0, end = y * width + roi.x1; i <= end; i++) {
      const face = inside[i] * (1 - keepGrown[i]) * 0.85;
      // Small faces keep more of the photo's own lines: they are most of what the face has.
      const q = Math.max(quiet[i], lipsGrown[i], face) * (0.4 + 0.6 * plan.detail);
      if (q > 0) ink[i] *= 1 - q * 0.9;
    }
  }

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
  // Drawn strokes fade on small faces (minimum stroke widths would make them heavy).
  const weight = 0.35 + 0.65 * plan.detail;
  for (let y = roi.y0; y <= roi.y1; y++) {
    for (let i = y * width + roi.x0, end = y * width + roi.x1; i <= end; i++) {
      const d = draw[i] * weight;
      if (d > ink[i]) ink[i] = d;
    }
  }
}
