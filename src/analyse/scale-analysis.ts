/**
 * Re-express a SceneAnalysis in another image size. The pipeline analyses a copy at a resolution the
 * models need (small working images hide faces and invent false ones) and stylizes at another; this
 * maps every box, landmark, keypoint and mask across. Portable: plain arithmetic.
 */
import type { Mask } from '../core/raster.js';
import type { Box, FaceAnalysis, FaceLandmarks, Keypoint, PersonAnalysis, Point, SceneAnalysis } from '../core/types.js';
import { resampleMask } from '../core/resample.js';

export function scaleAnalysis(analysis: SceneAnalysis, width: number, height: number): SceneAnalysis {
  if (analysis.width === width && analysis.height === height) return analysis;
  const sx = width / analysis.width;
  const sy = height / analysis.height;
  const point = (p: Point): Point => ({ x: p.x * sx, y: p.y * sy });
  const points = (list: Point[]): Point[] => list.map(point);
  const box = (b: Box): Box => ({ x: b.x * sx, y: b.y * sy, width: b.width * sx, height: b.height * sy });
  const mask = (m: Mask): Mask => resampleMask(m, width, height, { filter: 'bilinear' });
  const landmarks = (l: FaceLandmarks): FaceLandmarks => ({
    ...l,
    faceOval: points(l.faceOval),
    leftEye: points(l.leftEye),
    rightEye: points(l.rightEye),
    leftEyebrow: points(l.leftEyebrow),
    rightEyebrow: points(l.rightEyebrow),
    nose: points(l.nose),
    lips: points(l.lips),
    ...(l.leftIris ? { leftIris: point(l.leftIris) } : {}),
    ...(l.rightIris ? { rightIris: point(l.rightIris) } : {}),
    ...(l.irisRadius !== undefined ? { irisRadius: l.irisRadius * Math.sqrt(sx * sy) } : {}),
    ...(l.noseBase ? { noseBase: points(l.noseBase) } : {}),
    ...(l.innerLips ? { innerLips: points(l.innerLips) } : {}),
    ...(l.mesh ? { mesh: points(l.mesh) } : {}),
  });
  const face = (f: FaceAnalysis): FaceAnalysis => ({ ...f, box: box(f.box), ...(f.landmarks ? { landmarks: landmarks(f.landmarks) } : {}) });
  const keypoint = (k: Keypoint): Keypoint => ({ ...k, position: point(k.position) });
  const person = (p: PersonAnalysis): PersonAnalysis => ({
    ...p,
    box: box(p.box),
    ...(p.face ? { face: face(p.face) } : {}),
    ...(p.pose ? { pose: p.pose.map(keypoint) } : {}),
    ...(p.mask ? { mask: mask(p.mask) } : {}),
  });
  return {
    ...analysis,
    width,
    height,
    people: analysis.people.map(person),
    pets: analysis.pets.map((o) => ({ ...o, box: box(o.box) })),
    objects: analysis.objects.map((o) => ({ ...o, box: box(o.box) })),
    ...(analysis.personMask ? { personMask: mask(analysis.personMask) } : {}),
  };
}
