/**
 * MoveNet MultiPose (vendored): keypoints for up to six people in one pass, where human's default movenet-lightning
 * sees one. Run directly rather than through human, because human keeps a single body model per process and the
 * single-person model stays the cheaper choice for portraits. Parsing is portable and unit-tested.
 */
import type { Box, Keypoint } from '../core/types.js';
import type { GraphModelLike, LoadedHuman } from './human-loader.js';

/** COCO keypoint order, as MoveNet emits it (human's part names, so poses from either model look alike). */
export const MOVENET_PARTS = [
  'nose',
  'leftEye',
  'rightEye',
  'leftEar',
  'rightEar',
  'leftShoulder',
  'rightShoulder',
  'leftElbow',
  'rightElbow',
  'leftWrist',
  'rightWrist',
  'leftHip',
  'rightHip',
  'leftKnee',
  'rightKnee',
  'leftAnkle',
  'rightAnkle',
] as const;

/** Each of the 6 rows: 17 × (y, x, score) normalised to the square input, then box ymin, xmin, ymax, xmax, score. */
const ROW = 56;
const INPUT = 256;

export interface DetectedBody {
  score: number;
  box: Box;
  keypoints: Keypoint[];
}

export interface PaddedFrame {
  /** Side of the square the photo was centred in before resizing to the model's input. */
  side: number;
  /** Offsets of the photo inside that square. */
  left: number;
  top: number;
}

/** Bodies scoring at least `minScore`, best first, in the photo's pixels. */
export function parseMultipose(values: ArrayLike<number>, frame: PaddedFrame, minScore: number): DetectedBody[] {
  const bodies: DetectedBody[] = [];
  const toX = (v: number) => v * frame.side - frame.left;
  const toY = (v: number) => v * frame.side - frame.top;
  for (let r = 0; r + ROW <= values.length; r += ROW) {
    const score = values[r + 55];
    if (!(score >= minScore)) continue;
    const keypoints: Keypoint[] = MOVENET_PARTS.map((part, i) => ({
      part,
      position: { x: toX(values[r + 3 * i + 1]), y: toY(values[r + 3 * i]) },
      score: Math.round(values[r + 3 * i + 2] * 100) / 100,
    }));
    const x0 = toX(values[r + 52]);
    const y0 = toY(values[r + 51]);
    bodies.push({ score: Math.round(score * 100) / 100, box: { x: x0, y: y0, width: toX(values[r + 54]) - x0, height: toY(values[r + 53]) - y0 }, keypoints });
  }
  return bodies.sort((a, b) => b.score - a.score);
}

type Tensor = { shape: number[]; dispose(): void; data(): Promise<ArrayLike<number>> };

/** Runs multipose on an int32 [1, h, w, 3] photo tensor; undefined when the model is not loaded. */
export async function detectBodies(loaded: LoadedHuman, input: Tensor, minScore: number): Promise<DetectedBody[] | undefined> {
  const model = loaded.multiposeModel as (GraphModelLike & { execute(x: unknown): unknown }) | undefined;
  if (!model) return undefined;
  const [, height, width] = input.shape;
  const side = Math.max(width, height);
  const left = Math.trunc((side - width) / 2);
  const top = Math.trunc((side - height) / 2);
  const tf = loaded.tf;
  const out = tf.tidy(() => {
    const padded = tf.pad(input as never, [
      [0, 0],
      [top, side - height - top],
      [left, side - width - left],
      [0, 0],
    ]);
    const resized = tf.image.resizeBilinear(padded as never, [INPUT, INPUT]);
    return model.execute(tf.cast(resized, 'int32')) as never;
  }) as unknown as Tensor;
  try {
    return parseMultipose(await out.data(), { side, left, top }, minScore);
  } finally {
    out.dispose();
  }
}
