/**
 * Face regions from the 468/478-point MediaPipe FaceMesh, as polygons in image pixels.
 * Portable: plain numbers in, plain points out.
 */
import type { FaceLandmarks, Point } from '../core/types.js';
import { centroid } from './geometry.js';

// Index lists follow MediaPipe's canonical face mesh topology. "Subject right" = image-left for an
// upright, unmirrored face; FaceLandmarks names sides as seen in the image.
const FACE_OVAL = [
  10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136,
  172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
];
const SUBJECT_RIGHT_EYE = [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7];
const SUBJECT_LEFT_EYE = [263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249];
const SUBJECT_RIGHT_BROW = [46, 53, 52, 65, 55, 107, 66, 105, 63, 70];
const SUBJECT_LEFT_BROW = [276, 283, 282, 295, 285, 336, 296, 334, 293, 300];
const NOSE_BRIDGE_TO_TIP = [168, 6, 197, 195, 5, 4, 1];
const NOSE_BASE_SUBJECT_RIGHT_TO_LEFT = [98, 2, 327];
const OUTER_LIPS = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146];
const INNER_LIPS = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95];
const IRIS_A = [468, 469, 470, 471, 472];
const IRIS_B = [473, 474, 475, 476, 477];

export type MeshPoint = readonly number[];

function pick(mesh: readonly Point[], indices: readonly number[]): Point[] {
  return indices.map((i) => mesh[i]);
}

function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/**
 * Build FaceLandmarks from mesh points (already in output image pixels). Returns undefined when the mesh
 * is incomplete (human returns only a few box points when the mesh model rejected the face).
 */
export function landmarksFromMesh(mesh: readonly Point[]): FaceLandmarks | undefined {
  if (mesh.length < 468) return undefined;
  let leftEye = pick(mesh, SUBJECT_RIGHT_EYE);
  let rightEye = pick(mesh, SUBJECT_LEFT_EYE);
  let leftEyebrow = pick(mesh, SUBJECT_RIGHT_BROW);
  let rightEyebrow = pick(mesh, SUBJECT_LEFT_BROW);
  let noseBase = pick(mesh, NOSE_BASE_SUBJECT_RIGHT_TO_LEFT);
  // A mirrored photo (or a face upside down) puts the subject's right eye on the image's right: keep the
  // image-side naming true by swapping.
  if (centroid(leftEye).x > centroid(rightEye).x) {
    [leftEye, rightEye] = [rightEye, leftEye];
    [leftEyebrow, rightEyebrow] = [rightEyebrow, leftEyebrow];
    noseBase = noseBase.slice().reverse();
  }
  const leftCentre = centroid(leftEye);
  const rightCentre = centroid(rightEye);
  const landmarks: FaceLandmarks = {
    faceOval: pick(mesh, FACE_OVAL),
    leftEye,
    rightEye,
    leftEyebrow,
    rightEyebrow,
    nose: pick(mesh, NOSE_BRIDGE_TO_TIP),
    noseBase,
    lips: pick(mesh, OUTER_LIPS),
    innerLips: pick(mesh, INNER_LIPS),
    leftIris: leftCentre,
    rightIris: rightCentre,
    mesh: mesh.slice(),
  };
  if (mesh.length >= 478) {
    // Assign each iris to the nearer eye rather than trusting the model's side naming.
    const a = pick(mesh, IRIS_A);
    const b = pick(mesh, IRIS_B);
    const ca = a[0];
    const cb = b[0];
    const aIsLeft = distance(ca, leftCentre) + distance(cb, rightCentre) <= distance(ca, rightCentre) + distance(cb, leftCentre);
    landmarks.leftIris = aIsLeft ? ca : cb;
    landmarks.rightIris = aIsLeft ? cb : ca;
    const radius = (pts: Point[]) => pts.slice(1).reduce((s, p) => s + distance(p, pts[0]), 0) / (pts.length - 1);
    landmarks.irisRadius = (radius(a) + radius(b)) / 2;
  }
  return landmarks;
}
