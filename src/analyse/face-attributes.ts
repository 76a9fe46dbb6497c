/**
 * Per-face model outputs for age, gender and identity: faceres (human's default), the vendored faceres-deep and the
 * vendored grayscale gender CNN, each run on the face crop human already made. Returns raw votes; the decisions
 * (which age, whether to name a gender) are in gender.ts and age.ts, which are portable and unit-tested.
 */
import type { LoadedHuman, GraphModelLike } from './human-loader.js';
import { ageBucketOf, ageConfidence, yearsFromAgeBins } from './age.js';
import { fuseGenderVotes } from './gender.js';

/**
 * faceres-deep runs only when faceres and the grayscale CNN leave something open: an age within 8 years of a bucket
 * edge (below ageConfidence's maximum, 0.9) or a gender below 0.9. On the shared corpus this skipped it on 11 of 45
 * faces with no change to any age bucket or named gender, and it is most of the cost of describing a face.
 */
const DECISIVE_CONFIDENCE = 0.9;

/** Whether faceres (+ the grayscale CNN) already settle age bucket and gender, so faceres-deep would add nothing. */
export function faceresIsDecisive(faceres: { pMale: number; years: number }, grayscale: number | undefined): boolean {
  if (ageConfidence(faceres.years) < DECISIVE_CONFIDENCE) return false;
  const gender = fuseGenderVotes({ faceres: faceres.pMale, grayscale }, { bucket: ageBucketOf(faceres.years) });
  return gender !== undefined && gender.confidence >= DECISIVE_CONFIDENCE;
}

export type Tensor = { shape: number[]; dispose(): void; data(): Promise<ArrayLike<number>> };

/** What each model said about one face; a model that is absent or failed leaves its field out. */
export interface FaceVotes {
  faceres?: { pMale: number; years: number };
  faceresDeep?: { pMale: number; years: number };
  /** P(male) from face_classification's 64×64 grayscale CNN. */
  grayscale?: number;
  /** faceres's 1024-d identity descriptor (global pooling before the heads). */
  embedding?: Float32Array;
}

type RunnableModel = GraphModelLike & { execute(x: unknown): unknown };

/** Both HSE models take a 224×224 RGB crop in 0..255 and give sigmoid(male), 100 age bins and a pooled descriptor. */
async function runFaceres(
  loaded: LoadedHuman,
  model: RunnableModel,
  faceTensor: Tensor,
  withEmbedding: boolean,
): Promise<{ pMale: number; years: number; embedding?: Float32Array } | undefined> {
  const shape = model.inputs[0]?.shape;
  if (!shape) return undefined;
  const tf = loaded.tf;
  const outputs = tf.tidy(() => {
    const input = faceTensor.shape.length === 3 ? tf.expandDims(faceTensor as never, 0) : (faceTensor as never);
    const resized = tf.image.resizeBilinear(input as never, [shape[2], shape[1]], false);
    return model.execute(tf.mul(resized, 255)) as never;
  }) as unknown as Tensor[];
  try {
    const genderT = outputs.find((t) => t.shape[1] === 1);
    const ageT = outputs.find((t) => t.shape[1] === 100);
    if (!genderT || !ageT) return undefined;
    const pMale = (await genderT.data())[0];
    const years = yearsFromAgeBins(await ageT.data());
    if (!Number.isFinite(pMale) || !Number.isFinite(years)) return undefined;
    const descriptorT = withEmbedding ? outputs.find((t) => t.shape[1] === 1024) : undefined;
    const embedding = descriptorT ? Float32Array.from(await descriptorT.data()) : undefined;
    return { pMale, years, ...(embedding ? { embedding } : {}) };
  } finally {
    for (const t of outputs) t.dispose();
  }
}

/** P(male) from the vendored 64×64 grayscale gender CNN (face_classification), preprocessed as human does. */
async function runGrayscaleGender(loaded: LoadedHuman, model: RunnableModel, faceTensor: Tensor): Promise<number | undefined> {
  const shape = model.inputs[0]?.shape;
  if (!shape) return undefined;
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
    const p = female + male > 0 ? male / (female + male) : Number.NaN;
    return Number.isFinite(p) ? p : undefined;
  } finally {
    out.dispose();
  }
}

export interface FaceVoteOptions {
  /** When to run faceres-deep (≈ 100–150 ms a face), if it is loaded: 'when-unsure' = unless faceresIsDecisive. */
  deep: 'never' | 'when-unsure' | 'always';
  /** Keep faceres's descriptor. */
  embedding: boolean;
}

/** Runs every available age/gender model on one face crop (human's 0..1 float tensor). */
export async function faceVotes(loaded: LoadedHuman, faceTensor: Tensor, options: FaceVoteOptions): Promise<FaceVotes> {
  const votes: FaceVotes = {};
  const faceres = (loaded.human.models.models as Record<string, unknown>).faceres as RunnableModel | null | undefined;
  if (faceres) {
    const out = await runFaceres(loaded, faceres, faceTensor, options.embedding);
    if (out) {
      votes.faceres = { pMale: out.pMale, years: out.years };
      if (out.embedding) votes.embedding = out.embedding;
    }
  }
  if (loaded.genderModel) votes.grayscale = await runGrayscaleGender(loaded, loaded.genderModel as RunnableModel, faceTensor);
  const worthIt = options.deep === 'always' || (options.deep === 'when-unsure' && !(votes.faceres && faceresIsDecisive(votes.faceres, votes.grayscale)));
  if (worthIt && loaded.faceresDeepModel) {
    const out = await runFaceres(loaded, loaded.faceresDeepModel as RunnableModel, faceTensor, false);
    if (out) votes.faceresDeep = { pMale: out.pMale, years: out.years };
  }
  return votes;
}
