/**
 * Prompt → text embeddings for the UNet: tokenize (75-token chunks, per-token weights), run the
 * text encoder on every chunk, apply the weights to the embeddings, join the chunks along the
 * sequence axis, and for classifier-free guidance batch [negative, positive] into one tensor.
 */
import { AnimeMeError } from '../errors.js';
import type { OnnxRunner, StableDiffusionPack } from './pack/index.js';
import { idsTensor, readFloats } from './pack/index.js';
import { loadClipTokenizer } from './tokenizer/index.js';

/** One encoder window: exactly `maxLength` ids (BOS, ≤ 75 tokens, EOS, padding) and a weight per id. */
export interface PromptChunk {
  ids: ArrayLike<number>;
  weights: ArrayLike<number>;
}

/** What the text encoder needs from a tokenizer. */
export interface PromptTokenizer {
  /** Ids per window (77 for CLIP). */
  readonly maxLength: number;
  /** At least one chunk, even for the empty prompt. */
  tokenize(prompt: string): PromptChunk[];
}

export interface TextEmbeddings {
  /** [batch, sequenceLength, hiddenSize], float32; batch 2 is [negative, positive]. */
  data: Float32Array;
  batch: 1 | 2;
  sequenceLength: number;
  hiddenSize: number;
  /** True when chunks beyond what the UNet accepts (a fixed sequence length) were dropped. */
  truncated: boolean;
}

export interface EncodePromptOptions {
  prompt: string;
  negativePrompt: string;
  /** Batch [negative, positive] for classifier-free guidance; else the positive prompt alone. */
  classifierFree: boolean;
}

/**
 * A1111's emphasis: scale each token's embedding by its weight, then restore the chunk's original
 * mean so weights shift the balance between tokens rather than the overall magnitude.
 */
export function applyTokenWeights(hidden: Float32Array, weights: ArrayLike<number>, hiddenSize: number): void {
  let weighted = false;
  for (let i = 0; i < weights.length; i++) if (weights[i] !== 1) weighted = true;
  if (!weighted) return;
  let before = 0;
  for (let i = 0; i < hidden.length; i++) before += hidden[i];
  let after = 0;
  for (let t = 0; t < weights.length; t++) {
    const w = weights[t];
    for (let i = t * hiddenSize, end = i + hiddenSize; i < end; i++) {
      hidden[i] *= w;
      after += hidden[i];
    }
  }
  // A mean near zero cannot be restored by scaling; leave the weighted values as they are.
  if (Math.abs(after) < 1e-12 || Math.abs(before) < 1e-12) return;
  const rescale = before / after;
  for (let i = 0; i < hidden.length; i++) hidden[i] *= rescale;
}

async function encodeChunks(pack: StableDiffusionPack, runner: OnnxRunner, chunks: readonly PromptChunk[], maxLength: number): Promise<Float32Array[]> {
  const io = pack.io.textEncoder;
  const session = pack.sessions.text_encoder;
  const batchable = io.batch === undefined && chunks.length > 1;
  const groups = batchable ? [chunks] : chunks.map((c) => [c]);
  const out: Float32Array[] = [];
  for (const group of groups) {
    const ids = new Array<number>(group.length * maxLength);
    group.forEach((chunk, b) => {
      if (chunk.ids.length !== maxLength) {
        throw new AnimeMeError('INTERNAL', `Tokenizer gave a chunk of ${chunk.ids.length} ids; the text encoder window is ${maxLength}`);
      }
      for (let i = 0; i < maxLength; i++) ids[b * maxLength + i] = chunk.ids[i];
    });
    const result = await runner.run('textEncoder', session, { input_ids: idsTensor(ids, [group.length, maxLength], io.idsType) }, [io.output]);
    const tensor = result[io.output];
    const hidden = readFloats(tensor, 'text_encoder');
    const hiddenSize = tensor.dims[2];
    const per = maxLength * hiddenSize;
    group.forEach((chunk, b) => {
      const slice = hidden.slice(b * per, (b + 1) * per);
      applyTokenWeights(slice, chunk.weights, hiddenSize);
      out.push(slice);
    });
  }
  return out;
}

export async function encodePrompts(
  pack: StableDiffusionPack,
  tokenizer: PromptTokenizer,
  runner: OnnxRunner,
  options: EncodePromptOptions,
): Promise<TextEmbeddings> {
  const maxLength = pack.io.textEncoder.sequenceLength ?? tokenizer.maxLength;
  const positive = tokenizer.tokenize(options.prompt);
  const negative = options.classifierFree ? tokenizer.tokenize(options.negativePrompt) : [];
  // Both halves of the CFG batch need the same length: pad the shorter with empty-prompt chunks.
  const chunkCount = Math.max(positive.length, negative.length);
  let keep = chunkCount;
  const fixedSequence = pack.io.unet.sequenceLength;
  if (fixedSequence !== undefined) keep = Math.max(1, Math.min(chunkCount, Math.floor(fixedSequence / maxLength)));
  const empty = tokenizer.tokenize('')[0];
  const fill = (chunks: PromptChunk[]): PromptChunk[] => [...chunks, ...Array.from({ length: chunkCount - chunks.length }, () => empty)].slice(0, keep);

  const all = [...(options.classifierFree ? fill(negative) : []), ...fill(positive)];
  const encoded = await encodeChunks(pack, runner, all, maxLength);
  const hiddenSize = encoded[0].length / maxLength;
  const batch = options.classifierFree ? 2 : 1;
  const sequenceLength = keep * maxLength;
  const data = new Float32Array(batch * sequenceLength * hiddenSize);
  encoded.forEach((chunk, i) => data.set(chunk, i * chunk.length));
  return { data, batch, sequenceLength, hiddenSize, truncated: keep < chunkCount };
}

/** The pack's CLIP tokenizer with A1111 emphasis weights and 75-token windows. */
export async function loadPromptTokenizer(dir: string): Promise<PromptTokenizer> {
  const clip = await loadClipTokenizer(dir);
  return { maxLength: clip.maxLength, tokenize: (prompt) => clip.encodeWeighted(prompt).chunks };
}
