/** Face-descriptor similarity: does the stylized face still look like the same person to a face model? */

/** Cosine similarity of two descriptors, −1..1 (1 = same direction). Undefined for empty/mismatched/zero vectors. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number | undefined {
  if (a.length === 0 || a.length !== b.length) return undefined;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  if (na === 0 || nb === 0) return undefined;
  return dot / Math.sqrt(na * nb);
}

/**
 * human's own `match.similarity` with its defaults (order 2, multiplier 25, range 0.2..0.8):
 * 1 − √(25·Σ(a−b)²)/100, rescaled from 0.2..0.8 to 0..1 and clamped. human's docs treat > 0.5 as
 * "same person"; reproduced here (without human's 2-decimal rounding) so the eval needs no model runtime.
 */
export function humanSimilarity(a: readonly number[], b: readonly number[]): number | undefined {
  if (a.length === 0 || a.length !== b.length) return undefined;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  if (sum === 0) return 1;
  const raw = 1 - Math.sqrt(25 * sum) / 100;
  return Math.min(1, Math.max(0, (raw - 0.2) / 0.6));
}

/** The face descriptor an analysis carries, if the analyser exposes one (`face.embedding`). */
export function faceEmbedding(face: object | undefined): number[] | undefined {
  const value = (face as { embedding?: unknown } | undefined)?.embedding;
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) return undefined;
  return value as number[];
}
