/**
 * The analyse stage: what is in the photo (people, faces, landmarks, age/gender/expression, pose, skin
 * tone, pets, objects, a person mask) as a typed SceneAnalysis in the input image's pixels.
 *
 * Models run through @vladmandic/human on tfjs-wasm (see human-loader.ts). Everything after inference
 * (fusion, scene rules, masks, colour) is in portable helpers so it can move to a browser later.
 */
import type { Config, FaceResult, Result } from '@vladmandic/human';
import type { Mask, RgbImage } from '../core/raster.js';
import type {
  AgeBucket,
  Analyser,
  Box,
  DetectedObject,
  Estimate,
  Expression,
  FaceAnalysis,
  Framing,
  Gender,
  Keypoint,
  PersonAnalysis,
  Point,
  SceneAnalysis,
  StageContext,
} from '../core/types.js';
import { AnimeMeError } from '../errors.js';
import { expectIntegerInRange, expectNumberInRange, expectOneOf, invalidParameter, is } from '../validate.js';
import { landmarksFromMesh } from './face-regions.js';
import { boxArea, boxCentre, boxContains, boxOfPoints, centroid, clipBox, intersectionArea, visibleShare } from './geometry.js';
import { fuseGenderVotes, UNCERTAIN_GENDER_AGES } from './gender.js';
import { ageBucketOf, fuseAge } from './age.js';
import { faceVotes, type FaceVoteOptions, type Tensor } from './face-attributes.js';
import { detectBodies, type DetectedBody } from './multipose.js';
import { loadHuman, type LoadedHuman } from './human-loader.js';
import { sceneTypeOf } from './scene-type.js';
import { buildApproximateMask, splitMaskByPerson, constrainMaskToBoxes } from './person-mask.js';
import { resampleMask, shrinkToFit } from '../core/resample.js';
import { measureFaceSkinTone } from './face-skin.js';

export { sceneTypeOf } from './scene-type.js';
export { ageBucketOf } from './age.js';

export const OBJECT_DETECTION_MODES = ['auto', 'always', 'never'] as const;
export const MULTI_POSE_MODES = ['auto', 'always', 'never'] as const;
export type MultiPoseMode = (typeof MULTI_POSE_MODES)[number];
export type ObjectDetectionMode = (typeof OBJECT_DETECTION_MODES)[number];
const AGE_BUCKETS: readonly AgeBucket[] = ['child', 'teen', 'adult', 'elderly'];

export interface AnalyserOptions {
  /** Long side the photo is downscaled to before the models see it (default 640). */
  maxSide?: number;
  /** Age and gender run on at most this many faces, largest first (default 3); faceres costs ~80–150 ms a face. */
  maxDescribedFaces?: number;
  /**
   * Of those, the largest this many may also get faceres-deep (the better age model, ~100–150 ms a face) when it is
   * vendored, if faceres and the grayscale CNN leave age bucket or gender open (see face-attributes.ts). Default 1:
   * the face the description leads with; 0 = faceres only.
   */
  deepAgeFaces?: number;
  /**
   * When to run the object/pet detector (centernet, ~150–300 ms). 'auto' (default) skips it when a face fills
   * enough of the frame (a close portrait) that a pet or a faceless person is unlikely to matter.
   */
  objects?: ObjectDetectionMode;
  /**
   * When to run the vendored movenet-multipose (~100–230 ms) instead of keeping the single-person pose: 'auto'
   * (default) when two faces or two confident person boxes make more than one person likely.
   */
  multiPose?: MultiPoseMode;
  /** Build a person mask (default true): the vendored selfie model when present, else shapes from face and pose. */
  personMask?: boolean;
  /** A single person's gender must be at least this sure (0.5–1) to name the scene single-male/female (default 0.7). */
  minGenderConfidence?: number;
  /**
   * Age buckets in which a face's gender is reported with confidence at most 0.6 (below the describer's 0.7), so
   * the photo is described without gendered words (default ['elderly']; children instead need every gender model to
   * agree: see gender.ts; [] to name gender on the models' evidence at every age).
   */
  uncertainGenderAges?: readonly AgeBucket[];
  /**
   * Look again for faces that were missed (default true): on 2×2 overlapping tiles when the faces found are near
   * the face detector's size limit (a group seen from afar) and the object detector sees a person whose face was not
   * found (+150–400 ms on such photos only), and in a magnified square around the head of every person box or
   * multipose body that holds no face (+40–100 ms a person).
   */
  findSmallFaces?: boolean;
  /** Folder with human's default models (default: @vladmandic/human/models). */
  modelsDir?: string;
  /** Folder with this project's vendored models (default: <package>/models/human). */
  vendoredModelsDir?: string;
}

const DEFAULTS = {
  maxSide: 640,
  maxDescribedFaces: 3,
  deepAgeFaces: 1,
  objects: 'auto' as ObjectDetectionMode,
  multiPose: 'auto' as MultiPoseMode,
  personMask: true,
  minGenderConfidence: 0.7,
  uncertainGenderAges: UNCERTAIN_GENDER_AGES,
  findSmallFaces: true,
};

// Thresholds below were set on the 75-photo shared corpus (see the shared analysis note); small sample.
/** A face counts when its detector score is at least this and detector + mesh scores sum to MIN_FACE_SCORE_SUM. */
const MIN_FACE_BOX_SCORE = 0.3;
const MIN_FACE_SCORE_SUM = 0.95;
/** Mesh score above which a face is taken as human even inside a cat/dog box (a pet's face scores lower). */
const HUMAN_MESH_SCORE = 0.95;
const MIN_PERSON_BOX_SCORE = 0.4;
/** A pose is attached to a face's person from this score… */
const MIN_BODY_SCORE = 0.35;
/** …but only counts as a person on its own (no face) when it is this sure with this many keypoints. */
const MIN_LONE_BODY_SCORE = 0.5;
const MIN_LONE_BODY_KEYPOINTS = 8;
const MIN_KEYPOINT_SCORE = 0.3;
/** Pets are COCO's cats and dogs; other animals (birds, horses, sheep) are reported as objects. */
const PET_LABELS = new Set(['cat', 'dog']);
const MIN_PET_SCORE = 0.25;
const MIN_PET_SCORE_WITH_PEOPLE = 0.35;
const MIN_OBJECT_SCORE = 0.3;
/** In 'auto' mode, a face covering at least this share of the frame makes objects not worth their cost. */
const AUTO_OBJECTS_FACE_AREA = 0.05;

/**
 * blazeface sees the whole photo squeezed to 256×256, and its finest anchors are 16 px apart: a face narrower than
 * two anchor cells there is found unreliably, so when the faces found are that small, others may have been missed.
 */
const FACE_DETECTOR_INPUT = 256;
const SMALL_FACE_DETECTOR_PX = 32;
/**
 * A face whose mesh lies less than this much inside the photo (cut by the border) gets age and gender capped at
 * UNSURE_ATTRIBUTE_CONFIDENCE: the crop the models see is then part padding, unlike anything they were trained on
 * (half of the astronaut's face read "male 0.85").
 */
const MIN_VISIBLE_FACE_SHARE = 0.8;
const UNSURE_ATTRIBUTE_CONFIDENCE = 0.6;
/** A person box this sure that holds no found face is evidence that faces were missed (recall, so below counting's 0.4). */
const MIN_TILE_PERSON_SCORE = 0.3;
/** Tiles are this share of the photo's width and height (2×2, overlapping by a fifth so no face is cut in all). */
const TILE_SHARE = 0.6;
/** At most this many head squares are searched again (each costs one face-detector pass, ~40–100 ms). */
const MAX_HEAD_REGIONS = 6;
/** Head squares are magnified to at least this side before detection (the face mesh then gets more pixels too). */
const HEAD_REGION_SIDE = 256;

const EXPRESSIONS: readonly Expression[] = ['neutral', 'happy', 'sad', 'angry', 'surprise', 'fear', 'disgust'];

// human keeps one config and mutates it on every detect(): serialise calls so two analyses never interleave.
let queue: Promise<unknown> = Promise.resolve();
function serialise<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

type ResolvedOptions = Required<
  Pick<AnalyserOptions, 'maxSide' | 'maxDescribedFaces' | 'deepAgeFaces' | 'objects' | 'multiPose' | 'personMask' | 'minGenderConfidence' | 'uncertainGenderAges' | 'findSmallFaces'>
> &
  Pick<AnalyserOptions, 'modelsDir' | 'vendoredModelsDir'>;

function validateOptions(options: unknown): ResolvedOptions {
  if (options === undefined) return { ...DEFAULTS };
  if (!is.plainObject(options)) throw invalidParameter('plain object', 'options', options);
  const o = options as AnalyserOptions;
  const resolved: ResolvedOptions = {
    maxSide: o.maxSide === undefined ? DEFAULTS.maxSide : expectIntegerInRange(o.maxSide, 'maxSide', 128, 4096),
    maxDescribedFaces:
      o.maxDescribedFaces === undefined ? DEFAULTS.maxDescribedFaces : expectIntegerInRange(o.maxDescribedFaces, 'maxDescribedFaces', 0, 30),
    deepAgeFaces: o.deepAgeFaces === undefined ? DEFAULTS.deepAgeFaces : expectIntegerInRange(o.deepAgeFaces, 'deepAgeFaces', 0, 30),
    objects: o.objects === undefined ? DEFAULTS.objects : expectOneOf(o.objects, 'objects', OBJECT_DETECTION_MODES),
    multiPose: o.multiPose === undefined ? DEFAULTS.multiPose : expectOneOf(o.multiPose, 'multiPose', MULTI_POSE_MODES),
    personMask: DEFAULTS.personMask,
    uncertainGenderAges: DEFAULTS.uncertainGenderAges,
    findSmallFaces: DEFAULTS.findSmallFaces,
    minGenderConfidence:
      o.minGenderConfidence === undefined
        ? DEFAULTS.minGenderConfidence
        : expectNumberInRange(o.minGenderConfidence, 'minGenderConfidence', 0.5, 1),
    modelsDir: o.modelsDir,
    vendoredModelsDir: o.vendoredModelsDir,
  };
  for (const key of ['personMask', 'findSmallFaces'] as const) {
    if (o[key] === undefined) continue;
    if (!is.bool(o[key])) throw invalidParameter('boolean', key, o[key]);
    resolved[key] = o[key];
  }
  if (o.uncertainGenderAges !== undefined) {
    const ages = o.uncertainGenderAges as unknown;
    if (!Array.isArray(ages) || !ages.every((a) => AGE_BUCKETS.includes(a as AgeBucket))) {
      throw invalidParameter(`array of ${AGE_BUCKETS.join(', ')}`, 'uncertainGenderAges', ages);
    }
    resolved.uncertainGenderAges = [...(ages as AgeBucket[])];
  }
  for (const key of ['modelsDir', 'vendoredModelsDir'] as const) {
    if (o[key] !== undefined && (!is.string(o[key]) || o[key] === '')) throw invalidParameter('non-empty string', key, o[key]);
  }
  return resolved;
}

function validateImage(image: unknown): RgbImage {
  const img = image as RgbImage;
  if (
    !img ||
    typeof img !== 'object' ||
    !is.integer(img.width) ||
    !is.integer(img.height) ||
    img.width <= 0 ||
    img.height <= 0 ||
    !(img.data instanceof Uint8Array) ||
    img.data.length !== img.width * img.height * 3
  ) {
    throw invalidParameter('RgbImage with positive integer width/height and width*height*3 bytes of data', 'image', image);
  }
  return img;
}

function checkAbort(context: StageContext | undefined): void {
  if (context?.signal?.aborted) throw new AnimeMeError('CANCELLED', 'Analysis was cancelled');
}

interface Description {
  gender?: Estimate<Gender>;
  age?: Estimate<{ years: number; bucket: AgeBucket }>;
  embedding?: Float32Array;
  deepRan: boolean;
}

/** Age, gender and descriptor of one face crop from every available model (face-attributes.ts), then fused. */
async function describeFace(loaded: LoadedHuman, faceTensor: Tensor, deep: FaceVoteOptions['deep'], uncertainAges: readonly AgeBucket[]): Promise<Description | undefined> {
  const votes = await faceVotes(loaded, faceTensor, { deep, embedding: true });
  const age = fuseAge(votes.faceres?.years, votes.faceresDeep?.years);
  const gender = fuseGenderVotes(
    { faceres: votes.faceres?.pMale, faceresDeep: votes.faceresDeep?.pMale, grayscale: votes.grayscale },
    { bucket: age?.value.bucket, uncertainAges },
  );
  if (!age && !gender) return undefined;
  return {
    ...(gender ? { gender } : {}),
    ...(age ? { age } : {}),
    ...(votes.embedding ? { embedding: votes.embedding } : {}),
    deepRan: votes.faceresDeep !== undefined,
  };
}

function toBox(b: readonly number[], sx: number, sy: number): Box {
  return { x: b[0] * sx, y: b[1] * sy, width: b[2] * sx, height: b[3] * sy };
}

function unionBox(a: Box, b: Box): Box {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}

/** A plausible head-and-shoulders box around a face, for people whose body was not detected. */
function headAndShouldersBox(face: Box, width: number, height: number): Box {
  return clipBox({ x: face.x - 0.8 * face.width, y: face.y - 0.35 * face.height, width: 2.6 * face.width, height: 2.9 * face.height }, width, height);
}

function framingOf(faceBox: Box | undefined, pose: Keypoint[] | undefined, height: number): Estimate<Framing> {
  const seen = (part: string) => pose?.find((k) => k.part === part && k.score >= MIN_KEYPOINT_SCORE);
  if (pose && pose.length > 0) {
    const ankles = [seen('leftAnkle'), seen('rightAnkle')].filter(Boolean) as Keypoint[];
    const knees = [seen('leftKnee'), seen('rightKnee')].filter(Boolean) as Keypoint[];
    const hips = [seen('leftHip'), seen('rightHip')].filter(Boolean) as Keypoint[];
    const shoulders = [seen('leftShoulder'), seen('rightShoulder')].filter(Boolean) as Keypoint[];
    const best = (ks: Keypoint[]) => Math.max(...ks.map((k) => k.score));
    if (ankles.length > 0 || knees.length === 2) {
      return { value: 'full-body', confidence: round2(best(ankles.length > 0 ? ankles : knees)) };
    }
    if (hips.length > 0 || shoulders.length > 0) {
      // A face taking most of the frame with shoulders barely in view is still a face shot.
      if (faceBox && faceBox.height / height > 0.45) return { value: 'face', confidence: 0.6 };
      return { value: 'upper-body', confidence: round2(best(hips.length > 0 ? hips : shoulders)) };
    }
  }
  if (!faceBox) return { value: 'upper-body', confidence: 0.3 };
  // No usable pose: judge from how much room the frame leaves below the face (a body is ~7 heads tall).
  const share = faceBox.height / height;
  const below = (height - (faceBox.y + faceBox.height)) / faceBox.height;
  if (share > 0.35) return { value: 'face', confidence: 0.6 };
  if (below > 5) return { value: 'full-body', confidence: 0.4 };
  return { value: 'upper-body', confidence: 0.5 };
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

function orientationOf(yaw: number): Estimate<'facing' | 'turned-left' | 'turned-right' | 'back'> {
  const a = Math.abs(yaw);
  if (a < 0.35) return { value: 'facing', confidence: round2(0.9 - a) };
  return { value: yaw > 0 ? 'turned-right' : 'turned-left', confidence: round2(Math.min(0.9, 0.4 + a)) };
}

/** `faceDetails` (default on with faces): iris and expression, skipped on tiles whose new faces are small anyway. */
function detectConfig(modules: { face: boolean; body: boolean; object: boolean; faceDetails?: boolean }): Partial<Config> {
  // Every switch is passed each time because human merges overrides into its config for good.
  const details = modules.face && modules.faceDetails !== false;
  return {
    face: {
      enabled: modules.face,
      detector: { return: modules.face },
      description: { enabled: false },
      emotion: { enabled: details },
      iris: { enabled: details },
      mesh: { enabled: modules.face },
    },
    body: { enabled: modules.body },
    object: { enabled: modules.object },
    hand: { enabled: false },
    segmentation: { enabled: false },
  } as Partial<Config>;
}

interface FaceCandidate {
  raw: FaceResult;
  box: Box;
  area: number;
}

function grow(box: Box, margin: number, size: { width: number; height: number }): Box {
  return clipBox(
    { x: box.x - box.width * margin, y: box.y - box.height * margin, width: box.width * (1 + 2 * margin), height: box.height * (1 + 2 * margin) },
    size.width,
    size.height,
  );
}

/** Which face (index) a single-person pose belongs to: the face holding its head keypoints, else -1. */
function ownerOfPose(pose: Keypoint[], faces: Box[]): number {
  const head = pose.filter((k) => ['nose', 'leftEye', 'rightEye', 'leftEar', 'rightEar'].includes(k.part) && k.score >= MIN_KEYPOINT_SCORE);
  if (head.length > 0) {
    const c = centroid(head.map((k) => k.position));
    let best = -1;
    let bestDistance = Infinity;
    faces.forEach((f, i) => {
      const grown = { x: f.x - f.width * 0.5, y: f.y - f.height * 0.5, width: f.width * 2, height: f.height * 2 };
      if (!boxContains(grown, c)) return;
      const d = Math.hypot(c.x - (f.x + f.width / 2), c.y - (f.y + f.height / 2));
      if (d < bestDistance) {
        bestDistance = d;
        best = i;
      }
    });
    return best;
  }
  // Head not seen by the pose model (e.g. cut off): only a lone face can safely claim the body.
  if (faces.length !== 1) return -1;
  const shoulders = pose.filter((k) => (k.part === 'leftShoulder' || k.part === 'rightShoulder') && k.score >= MIN_KEYPOINT_SCORE);
  if (shoulders.length === 0) return -1;
  const sc = centroid(shoulders.map((k) => k.position));
  const f = faces[0];
  return Math.abs(sc.x - (f.x + f.width / 2)) < f.width * 1.5 && sc.y > f.y ? 0 : -1;
}

function personFromFace(
  face: FaceCandidate,
  description: Description | undefined,
  pose: Keypoint[] | undefined,
  image: RgbImage,
  sx: number,
  sy: number,
): PersonAnalysis {
  const raw = face.raw;
  const mesh: Point[] = raw.mesh.map((m) => ({ x: m[0] * sx, y: m[1] * sy }));
  const landmarks = landmarksFromMesh(mesh);
  const faceAnalysis: FaceAnalysis = { box: face.box, score: round2(raw.score) };
  if (landmarks) faceAnalysis.landmarks = landmarks;
  const angle = raw.rotation?.angle;
  if (angle) faceAnalysis.rotation = { yaw: angle.yaw, pitch: angle.pitch, roll: angle.roll };

  let box = headAndShouldersBox(face.box, image.width, image.height);
  if (pose) {
    const visible = pose.filter((k) => k.score >= MIN_KEYPOINT_SCORE).map((k) => k.position);
    if (visible.length > 0) box = grow(unionBox(face.box, boxOfPoints(visible)), 0.08, image);
  }
  const person: PersonAnalysis = { box, face: faceAnalysis };
  if (description) {
    if (description.gender) person.gender = description.gender;
    if (description.age) person.age = description.age;
    if (description.embedding) faceAnalysis.embedding = Array.from(description.embedding);
  }
  const top = raw.emotion?.[0];
  if (top && EXPRESSIONS.includes(top.emotion as Expression)) {
    person.expression = { value: top.emotion as Expression, confidence: round2(top.score) };
  }
  if (pose) {
    person.pose = pose;
    const wrists = pose.filter((k) => k.part === 'leftWrist' || k.part === 'rightWrist');
    const best = Math.max(0, ...wrists.map((k) => k.score));
    person.handsVisible = { value: best >= MIN_KEYPOINT_SCORE, confidence: round2(best >= MIN_KEYPOINT_SCORE ? best : 1 - best) };
  }
  person.framing = framingOf(face.box, pose, image.height);
  if (angle) person.orientation = orientationOf(angle.yaw);
  return person;
}

function personFromBody(box: Box, pose: Keypoint[] | undefined, height: number): PersonAnalysis {
  const person: PersonAnalysis = { box };
  if (pose) {
    person.pose = pose;
    const headSeen = pose.some((k) => k.part === 'nose' && k.score >= MIN_KEYPOINT_SCORE);
    // A body whose head keypoints are visible but whose face was not found is most often turned away.
    if (!headSeen) person.orientation = { value: 'back', confidence: 0.3 };
  }
  person.framing = framingOf(undefined, pose, height);
  return person;
}

function disposeFaceTensors(faces: FaceResult[]): void {
  for (const f of faces) (f.tensor as Tensor | undefined)?.dispose();
}

function acceptedFace(f: FaceResult): boolean {
  const boxScore = f.boxScore ?? f.score;
  return boxScore >= MIN_FACE_BOX_SCORE && boxScore + (f.faceScore ?? 0) >= MIN_FACE_SCORE_SUM && f.mesh.length >= 468;
}

/** A square (or tile) of the working image to look for faces in again, magnified. */
interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Face detection again on regions of the working image, each resized so its long side is at least `minSide` px
 * (blazeface squeezes whatever it gets to 256², so a small region is seen magnified). Returns accepted faces not
 * already found (centre outside every known face box), in working-image pixels, with their crop tensors (the caller
 * disposes them).
 */
async function detectInRegions(loaded: LoadedHuman, input: Tensor, regions: Region[], known: number[][], minSide = 0): Promise<FaceResult[]> {
  const tf = loaded.tf;
  const boxes = known.map((b) => [...b]);
  const found: FaceResult[] = [];
  for (const region of regions) {
    const x = Math.max(0, Math.round(region.x));
    const y = Math.max(0, Math.round(region.y));
    const w = Math.min(input.shape[2] - x, Math.round(region.width));
    const h = Math.min(input.shape[1] - y, Math.round(region.height));
    if (w < 8 || h < 8) continue;
    const scale = Math.max(1, minSide / Math.max(w, h));
    const crop = tf.tidy(() => {
      const slice = tf.slice(input as never, [0, y, x, 0], [1, h, w, 3]);
      if (scale === 1) return slice as never;
      return tf.cast(tf.image.resizeBilinear(slice as never, [Math.round(h * scale), Math.round(w * scale)]), 'int32') as never;
    }) as unknown as Tensor;
    let result: Result;
    try {
      result = await loaded.human.detect(crop as never, detectConfig({ face: true, body: false, object: false, faceDetails: false }));
    } finally {
      crop.dispose();
    }
    const sxCrop = w / Math.round(w * scale);
    const syCrop = h / Math.round(h * scale);
    for (const f of result.face) {
      const box = [f.box[0] * sxCrop + x, f.box[1] * syCrop + y, f.box[2] * sxCrop, f.box[3] * syCrop];
      const cx = box[0] + box[2] / 2;
      const cy = box[1] + box[3] / 2;
      const duplicate = boxes.some((b) => cx >= b[0] && cx <= b[0] + b[2] && cy >= b[1] && cy <= b[1] + b[3]);
      if (!acceptedFace(f) || duplicate) {
        (f.tensor as Tensor | undefined)?.dispose();
        continue;
      }
      boxes.push(box);
      found.push({
        ...f,
        box: box as FaceResult['box'],
        mesh: f.mesh.map((m) => [m[0] * sxCrop + x, m[1] * syCrop + y, m[2]] as FaceResult['mesh'][number]),
      });
    }
  }
  return found;
}

/** 2×2 overlapping tiles, each seen by the detector at ~1.7× the magnification of the whole photo. */
function tilesOf(work: { width: number; height: number }): Region[] {
  const tw = Math.round(work.width * TILE_SHARE);
  const th = Math.round(work.height * TILE_SHARE);
  return [
    [0, 0],
    [work.width - tw, 0],
    [0, work.height - th],
    [work.width - tw, work.height - th],
  ].map(([x, y]) => ({ x, y, width: tw, height: th }));
}

const HEAD_PARTS = new Set(['nose', 'leftEye', 'rightEye', 'leftEar', 'rightEar']);

/**
 * Where a person's head should be, as a square to search: around the pose's head keypoints when seen (sized from
 * the shoulders, a head being about half the shoulder span), else the top of the person box.
 */
export function headRegionOf(person: Box, pose: Keypoint[] | undefined, size: { width: number; height: number }): Region {
  const seen = (pose ?? []).filter((k) => k.score >= MIN_KEYPOINT_SCORE);
  const head = seen.filter((k) => HEAD_PARTS.has(k.part));
  const shoulders = seen.filter((k) => k.part === 'leftShoulder' || k.part === 'rightShoulder');
  const span = shoulders.length === 2 ? Math.abs(shoulders[0].position.x - shoulders[1].position.x) : 0;
  let side = Math.max(span * 1.6, Math.min(person.width, person.height) * 0.6, 24);
  let cx = person.x + person.width / 2;
  let cy = person.y + side * 0.4;
  if (head.length > 0) {
    const c = centroid(head.map((k) => k.position));
    cx = c.x;
    cy = c.y;
    side = Math.max(side, 3 * Math.max(...head.map((k) => Math.hypot(k.position.x - c.x, k.position.y - c.y))));
  }
  side = Math.min(side, size.width, size.height);
  const x = Math.min(Math.max(0, cx - side / 2), size.width - side);
  const y = Math.min(Math.max(0, cy - side / 2), size.height - side);
  return { x, y, width: side, height: side };
}

export function createAnalyser(options?: AnalyserOptions): Analyser {
  const settings = validateOptions(options);
  let disposed = false;

  async function run(image: RgbImage, context: StageContext | undefined): Promise<SceneAnalysis> {
    const timings: Record<string, number> = {};
    const started = performance.now();
    let mark = started;
    const lap = (name: string) => {
      const now = performance.now();
      timings[name] = Math.round((timings[name] ?? 0) + (now - mark));
      mark = now;
    };
    const progress = (p: number, message: string) => context?.onProgress?.({ stage: 'analyse', progress: p, message });

    progress(0, 'loading models');
    const loaded = await loadHuman({ modelsDir: settings.modelsDir, vendoredModelsDir: settings.vendoredModelsDir });
    lap('load');
    checkAbort(context);

    const work = shrinkToFit(image, settings.maxSide, { filter: 'area' });
    const sx = image.width / work.width;
    const sy = image.height / work.height;
    lap('downscale');

    const tf = loaded.tf;
    const input = tf.tensor4d(work.data, [1, work.height, work.width, 3], 'int32');
    const models = ['human/blazeface', 'human/movenet-lightning'];
    let objectsRan = false;
    const people: PersonAnalysis[] = [];
    let rawObjects: Result['object'] = [];
    let personMask: Mask | undefined;
    let personMaskSource: SceneAnalysis['personMaskSource'];
    // Face crops (tensors) from every detection pass; disposed after age/gender, or on any error.
    const rawFaces: FaceResult[] = [];
    try {
      progress(0.1, 'detecting faces and pose');
      const first = await loaded.human.detect(input as never, detectConfig({ face: true, body: true, object: settings.objects === 'always' }));
      let result = first;
      objectsRan = settings.objects === 'always';
      rawObjects = result.object;
      const perf = result.performance as Record<string, number>;
      lap('detect');
      timings['detect.face'] = perf.face ?? 0;
      timings['detect.body'] = perf.body ?? 0;
      timings['detect.emotion'] = perf.emotion ?? 0;
      if (objectsRan) timings['detect.object'] = perf.object ?? 0;
      checkAbort(context);

      // Faces: drop weak detector boxes (the mesh already rejected most false ones).
      rawFaces.push(...result.face);
      const faces: FaceCandidate[] = [];
      for (const f of result.face) {
        if (!acceptedFace(f)) {
          (f.tensor as Tensor | undefined)?.dispose();
          continue;
        }
        const box = toBox(f.box, sx, sy);
        faces.push({ raw: f, box, area: boxArea(box) });
      }
      if (result.face.length > 0) models.push('human/facemesh', 'human/iris', 'human/emotion');

      // 'auto': a close, clearly human face (not a dog's face the detector liked) makes objects not worth their cost.
      const closeHumanFace = faces.some(
        (f) => f.area / (image.width * image.height) >= AUTO_OBJECTS_FACE_AREA && (f.raw.faceScore ?? 0) >= HUMAN_MESH_SCORE && (f.raw.boxScore ?? 0) >= 0.6,
      );
      if (settings.objects === 'auto' && !closeHumanFace) {
        progress(0.3, 'detecting objects');
        result = await loaded.human.detect(input as never, detectConfig({ face: false, body: false, object: true }));
        rawObjects = result.object;
        objectsRan = true;
        timings['detect.object'] = (result.performance as Record<string, number>).object ?? 0;
        lap('objects');
      }
      if (objectsRan) models.push('human/centernet');
      checkAbort(context);

      // Faces near the detector's size limit while the object detector sees a person with no face found: faces
      // were probably missed, so look again, magnified.
      const detectorScale = FACE_DETECTOR_INPUT / Math.max(work.width, work.height);
      const smallFaces = faces.some((f) => f.raw.box[2] * detectorScale < SMALL_FACE_DETECTOR_PX);
      const facelessPerson = rawObjects.some(
        (o) =>
          o.label === 'person' &&
          o.score >= MIN_TILE_PERSON_SCORE &&
          !faces.some((f) => boxContains({ x: o.box[0], y: o.box[1], width: o.box[2], height: o.box[3] }, boxCentre(toBox(f.raw.box, 1, 1)))),
      );
      if (settings.findSmallFaces && smallFaces && facelessPerson) {
        progress(0.4, 'looking for small faces');
        for (const f of await detectInRegions(loaded, input, tilesOf(work), faces.map((c) => c.raw.box))) {
          rawFaces.push(f);
          const box = toBox(f.box, sx, sy);
          faces.push({ raw: f, box, area: boxArea(box) });
        }
        lap('tiles');
        checkAbort(context);
      }

      // Bodies: human's single-person movenet from the first pass, or multipose when more than one person is likely
      // (two faces, or two confident person boxes), so every person gets keypoints. Work-image pixels.
      let bodies: DetectedBody[] = first.body
        .filter((b) => b.score >= MIN_BODY_SCORE)
        .map((b) => ({
          score: b.score,
          box: toBox(b.box, 1, 1),
          keypoints: b.keypoints.map((k) => ({ part: k.part, position: { x: k.position[0], y: k.position[1] }, score: round2(k.score) })),
        }));
      const confidentPersonBoxes = rawObjects.filter((o) => o.label === 'person' && o.score >= MIN_PERSON_BOX_SCORE).length;
      const likelyGroup = faces.length >= 2 || confidentPersonBoxes >= 2;
      if (loaded.multiposeModel && (settings.multiPose === 'always' || (settings.multiPose === 'auto' && likelyGroup))) {
        progress(0.45, 'detecting poses');
        const multi = await detectBodies(loaded, input, MIN_BODY_SCORE);
        if (multi) {
          // Keep the single-person model's body when multipose has none where it is (it is surer on small figures).
          const single = bodies.filter((b) => !multi.some((m) => boxContains(m.box, boxCentre(b.box))));
          bodies = [...multi, ...single];
          models.push('google/movenet-multipose');
        }
        lap('multipose');
        checkAbort(context);
      }

      // People seen by the object or pose model whose face was not found (small, turned, far away): look for it
      // again in a magnified square around where their head should be. Only person boxes sure enough to be counted
      // (a weak "person" on a dog is not worth a detector pass).
      if (settings.findSmallFaces) {
        const holdsFace = (r: Box) => faces.some((f) => boxContains(r, boxCentre(toBox(f.raw.box, 1, 1))));
        const personRegions: { box: Box; pose?: Keypoint[] }[] = [
          ...rawObjects.filter((o) => o.label === 'person' && o.score >= MIN_PERSON_BOX_SCORE).map((o) => ({ box: toBox(o.box, 1, 1) })),
          ...bodies.map((b) => ({ box: b.box, pose: b.keypoints })),
        ];
        const heads = personRegions
          .map((r) => headRegionOf(r.box, r.pose, work))
          .filter((h) => !holdsFace(h))
          .filter((h, i, all) => !all.slice(0, i).some((o) => intersectionArea(o, h) > 0.5 * boxArea(h)))
          .slice(0, MAX_HEAD_REGIONS);
        if (heads.length > 0) {
          progress(0.48, 'looking for missed faces');
          for (const f of await detectInRegions(loaded, input, heads, faces.map((c) => c.raw.box), HEAD_REGION_SIDE)) {
            rawFaces.push(f);
            const box = toBox(f.box, sx, sy);
            faces.push({ raw: f, box, area: boxArea(box) });
          }
          lap('heads');
          checkAbort(context);
        }
      }
      faces.sort((a, b) => b.area - a.area);

      // Age and gender for the largest faces only: cost grows by ~100 ms a face.
      progress(0.5, 'describing faces');
      const descriptions = new Map<FaceCandidate, Description>();
      let deepRan = false;
      for (const [rank, face] of faces.slice(0, settings.maxDescribedFaces).entries()) {
        if (!face.raw.tensor) continue;
        const meshBox = boxOfPoints(face.raw.mesh.map((m) => ({ x: m[0], y: m[1] })));
        const cut = visibleShare(meshBox, work.width, work.height) < MIN_VISIBLE_FACE_SHARE;
        // A face cut by the border gets unsure answers whatever the models say, so the costly one is not run on it.
        const deep = rank < settings.deepAgeFaces && !cut ? 'when-unsure' : 'never';
        const d = await describeFace(loaded, face.raw.tensor as unknown as Tensor, deep, settings.uncertainGenderAges);
        if (!d) continue;
        deepRan ||= d.deepRan;
        if (cut) {
          if (d.gender) d.gender.confidence = Math.min(d.gender.confidence, UNSURE_ATTRIBUTE_CONFIDENCE);
          if (d.age) d.age.confidence = Math.min(d.age.confidence, UNSURE_ATTRIBUTE_CONFIDENCE);
        }
        descriptions.set(face, d);
      }
      disposeFaceTensors(rawFaces);
      if (descriptions.size > 0) {
        models.push('human/faceres', ...(loaded.genderModel ? ['face_classification/gender'] : []), ...(deepRan ? ['hse/faceres-deep'] : []));
      }
      lap('describe');
      checkAbort(context);

      // Objects, pets and person boxes in input pixels.
      const detections = rawObjects.map((o) => ({ label: o.label as string, score: round2(o.score), box: clipBox(toBox(o.box, sx, sy), image.width, image.height) }));
      const petCandidates = detections.filter((o) => PET_LABELS.has(o.label) && o.score >= MIN_PET_SCORE);
      const objects: DetectedObject[] = detections.filter((o) => !PET_LABELS.has(o.label) && o.label !== 'person' && o.score >= MIN_OBJECT_SCORE);
      const personBoxes = detections.filter((o) => o.label === 'person' && o.score >= MIN_PERSON_BOX_SCORE);
      const weakPersonBoxes = detections.filter((o) => o.label === 'person');

      // Count fusion (shared note): faces first, minus "faces" that are really a pet's face. A face inside both a
      // pet box and a person box belongs to whichever detection is surer (a monkey on a man's head is "cat" 0.32
      // inside "person" 0.24).
      const countedFaces = faces.filter((f) => {
        if ((f.raw.faceScore ?? 0) >= HUMAN_MESH_SCORE) return true;
        const c = boxCentre(f.box);
        const petScore = Math.max(0, ...petCandidates.filter((p) => boxContains(p.box, c)).map((p) => p.score));
        if (petScore === 0) return true;
        return weakPersonBoxes.some((p) => boxContains(p.box, c) && p.score >= petScore);
      });

      // Next to people a weak "cat" is more often a hat, a monkey or a toy: ask for more there.
      const pets: DetectedObject[] = petCandidates.filter((p) => countedFaces.length === 0 || p.score >= MIN_PET_SCORE_WITH_PEOPLE);

      // People: one per counted face; without faces, person boxes or the single pose stand in (shared note).
      const poses: { score: number; box: Box; pose: Keypoint[] }[] = bodies.map((b) => ({
        score: b.score,
        box: clipBox(toBox([b.box.x, b.box.y, b.box.width, b.box.height], sx, sy), image.width, image.height),
        pose: b.keypoints.map((k) => ({ part: k.part, position: { x: k.position.x * sx, y: k.position.y * sy }, score: k.score })),
      }));
      // Each pose goes to the face holding its head (best poses first); a face takes one pose.
      const poseOf = new Map<number, Keypoint[]>();
      const usedPoses = new Set<number>();
      poses.forEach((p, i) => {
        const owner = ownerOfPose(p.pose, countedFaces.map((f) => f.box));
        if (owner >= 0 && !poseOf.has(owner)) {
          poseOf.set(owner, p.pose);
          usedPoses.add(i);
        }
      });
      progress(0.6, 'measuring faces');
      countedFaces.forEach((face, index) => {
        people.push(personFromFace(face, descriptions.get(face), poseOf.get(index), image, sx, sy));
      });
      // Faces miss people in groups (turned away, small, in caps): add confident person boxes that hold no
      // counted face and are not mostly inside someone already found, with the pose that lies inside, if any.
      const poseInside = (box: Box) => {
        const i = poses.findIndex((p, j) => !usedPoses.has(j) && boxContains(box, centroid(p.pose.filter((k) => k.score >= MIN_KEYPOINT_SCORE).map((k) => k.position))));
        if (i < 0) return undefined;
        usedPoses.add(i);
        return poses[i].pose;
      };
      if (people.length > 0) {
        for (const p of personBoxes) {
          const holdsFace = countedFaces.some((f) => boxContains(p.box, boxCentre(f.box)));
          const covered = people.some((q) => intersectionArea(q.box, p.box) > 0.6 * boxArea(p.box));
          if (!holdsFace && !covered) people.push(personFromBody(p.box, poseInside(p.box), image.height));
        }
      }
      lap('people');
      if (people.length === 0) {
        if (personBoxes.length > 0) {
          for (const p of personBoxes.sort((a, b) => b.score - a.score)) people.push(personFromBody(p.box, poseInside(p.box), image.height));
        } else {
          // No face and no person box: only a sure pose with most of a body visible counts as a person.
          const lone = poses.find((p) => p.score >= MIN_LONE_BODY_SCORE && p.pose.filter((k) => k.score >= MIN_KEYPOINT_SCORE).length >= MIN_LONE_BODY_KEYPOINTS);
          if (lone) {
            const visible = lone.pose.filter((k) => k.score >= MIN_KEYPOINT_SCORE).map((k) => k.position);
            people.push(personFromBody(grow(boxOfPoints(visible), 0.15, image), lone.pose, image.height));
          }
        }
      }

      // Person mask: selfie segmentation when vendored, else shapes from faces and pose.
      if (settings.personMask && people.length > 0) {
        progress(0.75, 'segmenting people');
        if (loaded.selfieModelUrl) {
          const out = (await loaded.human.segmentation(input as never, {
            segmentation: { enabled: true, modelPath: loaded.selfieModelUrl, mode: 'alpha' },
          } as Partial<Config>)) as unknown as Tensor | null;
          if (out) {
            const values = await out.data();
            out.dispose();
            const small: Mask = { width: work.width, height: work.height, data: Uint8Array.from(values as ArrayLike<number>) };
            personMask = constrainMaskToBoxes(resampleMask(small, image.width, image.height, { filter: 'bilinear' }), people.map((p) => grow(p.box, 0.25, image)));
            personMaskSource = 'segmentation';
            models.push('human/selfie');
          }
        }
        if (!personMask) {
          personMask = buildApproximateMask(image.width, image.height, people);
          personMaskSource = 'approximate';
        }
        const split = splitMaskByPerson(personMask, people.map((p) => p.box));
        people.forEach((p, i) => {
          p.mask = split[i];
        });
        lap('mask');
      }

      // Skin tone from the full-resolution input: more pixels, and no resampling blur across the lips.
      for (const p of people) {
        const landmarks = p.face?.landmarks;
        if (landmarks) p.skinTone = measureFaceSkinTone(image, landmarks);
      }
      lap('skinTone');

      const sceneType = sceneTypeOf(people, pets, objects, image, { minGenderConfidence: settings.minGenderConfidence });
      timings.total = Math.round(performance.now() - started);
      progress(1, 'done');
      return {
        width: image.width,
        height: image.height,
        people,
        peopleCount: people.length,
        pets,
        objects,
        sceneType,
        ...(personMask ? { personMask, personMaskSource } : {}),
        models,
        timings,
      };
    } finally {
      disposeFaceTensors(rawFaces);
      input.dispose();
    }
  }

  return {
    name: 'human-wasm',
    async analyse(image: RgbImage, context?: StageContext): Promise<SceneAnalysis> {
      if (disposed) throw new AnimeMeError('INVALID_ARGUMENT', 'This analyser was disposed; create a new one');
      const valid = validateImage(image);
      checkAbort(context);
      return serialise(() => run(valid, context));
    },
    async dispose(): Promise<void> {
      // The models stay loaded: human keeps them in process-wide state shared by every analyser.
      disposed = true;
    },
  };
}
