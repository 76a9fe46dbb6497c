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
import { fuseGender, UNCERTAIN_GENDER_AGES } from './gender.js';
import { loadHuman, type LoadedHuman } from './human-loader.js';
import { sceneTypeOf } from './scene-type.js';
import { buildApproximateMask, splitMaskByPerson, constrainMaskToBoxes } from './person-mask.js';
import { downscaleToMaxSide, resizeMask } from './resize.js';
import { measureFaceSkinTone } from './face-skin.js';

export { sceneTypeOf } from './scene-type.js';

export const OBJECT_DETECTION_MODES = ['auto', 'always', 'never'] as const;
export type ObjectDetectionMode = (typeof OBJECT_DETECTION_MODES)[number];
const AGE_BUCKETS: readonly AgeBucket[] = ['child', 'teen', 'adult', 'elderly'];

export interface AnalyserOptions {
  /** Long side the photo is downscaled to before the models see it (default 640). */
  maxSide?: number;
  /** Age and gender run on at most this many faces, largest first (default 3); faceres costs ~80–150 ms a face. */
  maxDescribedFaces?: number;
  /**
   * When to run the object/pet detector (centernet, ~150–300 ms). 'auto' (default) skips it when a face fills
   * enough of the frame (a close portrait) that a pet or a faceless person is unlikely to matter.
   */
  objects?: ObjectDetectionMode;
  /** Build a person mask (default true): the vendored selfie model when present, else shapes from face and pose. */
  personMask?: boolean;
  /** A single person's gender must be at least this sure (0.5–1) to name the scene single-male/female (default 0.7). */
  minGenderConfidence?: number;
  /**
   * Age buckets in which a face's gender is reported with confidence at most 0.6 (below the describer's 0.7), so
   * the photo is described without gendered words (default ['child', 'elderly']: see gender.ts; [] to name gender
   * at every age).
   */
  uncertainGenderAges?: readonly AgeBucket[];
  /**
   * When the faces found are near the face detector's size limit (a group seen from afar) and the object detector
   * sees a person whose face was not found, look again on 2×2 overlapping tiles (default true; +150–400 ms on such
   * photos only; needs the object detector to have run).
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
  objects: 'auto' as ObjectDetectionMode,
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

const EXPRESSIONS: readonly Expression[] = ['neutral', 'happy', 'sad', 'angry', 'surprise', 'fear', 'disgust'];

type Tensor = { shape: number[]; dispose(): void; data(): Promise<ArrayLike<number>> };

// human keeps one config and mutates it on every detect(): serialise calls so two analyses never interleave.
let queue: Promise<unknown> = Promise.resolve();
function serialise<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

type ResolvedOptions = Required<
  Pick<AnalyserOptions, 'maxSide' | 'maxDescribedFaces' | 'objects' | 'personMask' | 'minGenderConfidence' | 'uncertainGenderAges' | 'findSmallFaces'>
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
    objects: o.objects === undefined ? DEFAULTS.objects : expectOneOf(o.objects, 'objects', OBJECT_DETECTION_MODES),
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

export function ageBucketOf(years: number): AgeBucket {
  if (years < 13) return 'child';
  if (years < 20) return 'teen';
  if (years < 65) return 'adult';
  return 'elderly';
}

/**
 * faceres gives no age uncertainty, so confidence grows with the distance from the bucket's edges.
 * Teens are capped low: on the shared corpus faceres got 1 of 5 teens right.
 */
export function ageConfidence(years: number): number {
  const bucket = ageBucketOf(years);
  const margin =
    bucket === 'child' ? 13 - years : bucket === 'teen' ? Math.min(years - 13, 20 - years) : bucket === 'adult' ? Math.min(years - 20, 65 - years) : years - 65;
  const c = 0.4 + 0.5 * Math.min(1, Math.max(0, margin) / 8);
  return Math.round((bucket === 'teen' ? Math.min(c, 0.4) : c) * 100) / 100;
}

interface Description {
  gender: Estimate<Gender>;
  age: Estimate<{ years: number; bucket: AgeBucket }>;
}

/**
 * Age and gender of one face crop (human's 0..1 float face tensor): faceres for age and gender, mirroring human's
 * own post-processing (age from 100 bins with sub-bin refinement), plus the vendored grayscale gender CNN as a
 * second opinion when present (see gender.ts for how the two are fused).
 */
async function describeFace(loaded: LoadedHuman, faceTensor: Tensor, uncertainAges: readonly AgeBucket[]): Promise<Description | undefined> {
  const model = (loaded.human.models.models as Record<string, unknown>).faceres as
    | { inputs: { shape?: number[] }[]; execute(x: unknown): Tensor[] }
    | null
    | undefined;
  const shape = model?.inputs[0]?.shape;
  if (!model || !shape) return undefined;
  const tf = loaded.tf;
  const outputs = tf.tidy(() => {
    const input = faceTensor.shape.length === 3 ? tf.expandDims(faceTensor as never, 0) : (faceTensor as never);
    const resized = tf.image.resizeBilinear(input as never, [shape[2], shape[1]], false);
    return model.execute(tf.mul(resized, 255)) as unknown as never;
  }) as unknown as Tensor[];
  let pMale: number;
  let years: number;
  try {
    const genderT = outputs.find((t) => t.shape[1] === 1);
    const ageT = outputs.find((t) => t.shape[1] === 100);
    if (!genderT || !ageT) return undefined;
    pMale = (await genderT.data())[0];
    const bins = await ageT.data();
    let best = 0;
    for (let i = 1; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
    const prev = best > 0 ? bins[best - 1] : 0;
    const next = best < bins.length - 1 ? bins[best + 1] : 0;
    years = Math.max(0, Math.round(prev > next ? 10 * best - 100 * prev : 10 * best + 100 * next) / 10);
  } finally {
    for (const t of outputs) t.dispose();
  }
  if (!Number.isFinite(years)) return undefined;
  const bucket = ageBucketOf(years);
  const second = loaded.genderModel ? await secondOpinionMale(loaded, faceTensor) : undefined;
  const gender = fuseGender(pMale, second, { bucket, uncertainAges });
  if (!gender) return undefined;
  return { gender, age: { value: { years, bucket }, confidence: ageConfidence(years) } };
}

/** P(male) from the vendored 64×64 grayscale gender CNN (face_classification), preprocessed as human does. */
async function secondOpinionMale(loaded: LoadedHuman, faceTensor: Tensor): Promise<number | undefined> {
  const model = loaded.genderModel;
  const shape = model?.inputs[0]?.shape;
  if (!model || !shape) return undefined;
  const tf = loaded.tf;
  const out = tf.tidy(() => {
    const input = faceTensor.shape.length === 3 ? tf.expandDims(faceTensor as never, 0) : (faceTensor as never);
    const resized = tf.image.resizeBilinear(input as never, [shape[1], shape[2]], false);
    // Luma in -1..1: the model was trained on grayscale faces, which is also why it leans less on skin colour.
    const gray = tf.sum(tf.mul(resized, tf.tensor1d([0.2989, 0.587, 0.114])), -1, true);
    return model.execute(tf.mul(tf.sub(gray, 0.5), 2)) as never;
  }) as unknown as Tensor;
  try {
    const probabilities = await out.data();
    const female = probabilities[0];
    const male = probabilities[1];
    return female + male > 0 ? male / (female + male) : undefined;
  } finally {
    out.dispose();
  }
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
    person.gender = description.gender;
    person.age = description.age;
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

/**
 * Face detection again on 2×2 overlapping tiles, each seen by the detector at ~1.7× the magnification of the whole
 * photo. Returns accepted faces not already found (centre outside every known face box), in working-image pixels,
 * with their crop tensors (the caller disposes them).
 */
async function detectInTiles(loaded: LoadedHuman, input: Tensor, work: { width: number; height: number }, known: number[][]): Promise<FaceResult[]> {
  const tf = loaded.tf;
  const tw = Math.round(work.width * TILE_SHARE);
  const th = Math.round(work.height * TILE_SHARE);
  const boxes = known.map((b) => [...b]);
  const found: FaceResult[] = [];
  for (const [x, y] of [
    [0, 0],
    [work.width - tw, 0],
    [0, work.height - th],
    [work.width - tw, work.height - th],
  ]) {
    const tile = tf.slice(input as never, [0, y, x, 0], [1, th, tw, 3]) as unknown as Tensor;
    let result: Result;
    try {
      result = await loaded.human.detect(tile as never, detectConfig({ face: true, body: false, object: false, faceDetails: false }));
    } finally {
      tile.dispose();
    }
    for (const f of result.face) {
      const box = [f.box[0] + x, f.box[1] + y, f.box[2], f.box[3]];
      const cx = box[0] + box[2] / 2;
      const cy = box[1] + box[3] / 2;
      const duplicate = boxes.some((b) => cx >= b[0] && cx <= b[0] + b[2] && cy >= b[1] && cy <= b[1] + b[3]);
      if (!acceptedFace(f) || duplicate) {
        (f.tensor as Tensor | undefined)?.dispose();
        continue;
      }
      boxes.push(box);
      found.push({ ...f, box: box as FaceResult['box'], mesh: f.mesh.map((m) => [m[0] + x, m[1] + y, m[2]] as FaceResult['mesh'][number]) });
    }
  }
  return found;
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

    const { image: work } = downscaleToMaxSide(image, settings.maxSide);
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
        for (const f of await detectInTiles(loaded, input, work, faces.map((c) => c.raw.box))) {
          rawFaces.push(f);
          const box = toBox(f.box, sx, sy);
          faces.push({ raw: f, box, area: boxArea(box) });
        }
        lap('tiles');
        checkAbort(context);
      }
      faces.sort((a, b) => b.area - a.area);

      // Age and gender for the largest faces only: cost grows by ~100 ms a face.
      progress(0.5, 'describing faces');
      const descriptions = new Map<FaceCandidate, Description>();
      for (const face of faces.slice(0, settings.maxDescribedFaces)) {
        if (!face.raw.tensor) continue;
        const d = await describeFace(loaded, face.raw.tensor as unknown as Tensor, settings.uncertainGenderAges);
        if (!d) continue;
        const meshBox = boxOfPoints(face.raw.mesh.map((m) => ({ x: m[0], y: m[1] })));
        if (visibleShare(meshBox, work.width, work.height) < MIN_VISIBLE_FACE_SHARE) {
          d.gender.confidence = Math.min(d.gender.confidence, UNSURE_ATTRIBUTE_CONFIDENCE);
          d.age.confidence = Math.min(d.age.confidence, UNSURE_ATTRIBUTE_CONFIDENCE);
        }
        descriptions.set(face, d);
      }
      disposeFaceTensors(rawFaces);
      if (descriptions.size > 0) models.push('human/faceres', ...(loaded.genderModel ? ['face_classification/gender'] : []));
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
      const bodyRaw = first.body.find((b) => b.score >= MIN_BODY_SCORE);
      const pose: Keypoint[] | undefined = bodyRaw?.keypoints.map((k) => ({
        part: k.part,
        position: { x: k.position[0] * sx, y: k.position[1] * sy },
        score: round2(k.score),
      }));
      const poseOwner = pose ? ownerOfPose(pose, countedFaces.map((f) => f.box)) : -1;
      progress(0.6, 'measuring faces');
      countedFaces.forEach((face, index) => {
        people.push(
          personFromFace(face, descriptions.get(face), index === poseOwner ? pose : undefined, image, sx, sy),
        );
      });
      // Faces miss people in groups (turned away, small, in caps): add confident person boxes that hold no
      // counted face and are not mostly inside someone already found.
      if (people.length > 0) {
        for (const p of personBoxes) {
          const holdsFace = countedFaces.some((f) => boxContains(p.box, boxCentre(f.box)));
          const covered = people.some((q) => intersectionArea(q.box, p.box) > 0.6 * boxArea(p.box));
          if (!holdsFace && !covered) people.push(personFromBody(p.box, undefined, image.height));
        }
      }
      lap('people');
      if (people.length === 0) {
        if (personBoxes.length > 0) {
          for (const p of personBoxes.sort((a, b) => b.score - a.score)) {
            const ownsPose = pose && boxContains(p.box, centroid(pose.filter((k) => k.score >= MIN_KEYPOINT_SCORE).map((k) => k.position)));
            people.push(personFromBody(p.box, ownsPose ? pose : undefined, image.height));
          }
        } else if (pose && bodyRaw && bodyRaw.score >= MIN_LONE_BODY_SCORE) {
          const visible = pose.filter((k) => k.score >= MIN_KEYPOINT_SCORE).map((k) => k.position);
          if (visible.length >= MIN_LONE_BODY_KEYPOINTS) people.push(personFromBody(grow(boxOfPoints(visible), 0.15, image), pose, image.height));
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
            personMask = constrainMaskToBoxes(resizeMask(small, image.width, image.height), people.map((p) => grow(p.box, 0.25, image)));
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
