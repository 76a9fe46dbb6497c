/** CLIP tokenization for SD packs: BPE via @huggingface/tokenizers, A1111 emphasis and chunking. */
export {
  createClipTokenizer,
  type ClipTokenizer,
  type ClipTokenizerFiles,
  type WeightedChunk,
  type WeightedEncodeOptions,
  type WeightedEncoding,
} from './clip-tokenizer.js';
export { loadClipTokenizer } from './load-clip-tokenizer.js';
export { parsePromptWeights, type PromptSegment } from './prompt-weights.js';
export { chunkTokens, type ChunkOptions, type TokenSegment } from './chunk-prompt.js';
