/**
 * A1111's long-prompt chunking (`modules/sd_hijack_clip.py`, tokenize_line): weighted tokens are
 * packed into windows of 75, each framed BOS … EOS and padded to 77. When a window fills up and a
 * comma is at most `commaBacktrack` tokens back, the tokens after that comma move to the next
 * window so phrases are not cut in half. BREAK closes the current window early.
 */

export interface TokenSegment {
  ids: readonly number[];
  weight: number;
  isBreak?: boolean;
}

export interface WeightedChunk {
  /** BOS, up to `chunkLength` tokens, EOS, then padding: `chunkLength + 2` ids. */
  ids: number[];
  /** One emphasis weight per id; 1 for BOS, EOS and padding. */
  weights: number[];
}

export interface ChunkOptions {
  chunkLength: number;
  bosId: number;
  eosId: number;
  padId: number;
  /** Token id of `,</w>`, or undefined when the vocabulary has none. */
  commaId: number | undefined;
  /** A1111's comma_padding_backtrack; 0 disables. */
  commaBacktrack: number;
}

export function chunkTokens(segments: readonly TokenSegment[], options: ChunkOptions): { chunks: WeightedChunk[]; tokenCount: number } {
  const { chunkLength, bosId, eosId, padId, commaId, commaBacktrack } = options;
  const chunks: WeightedChunk[] = [];
  let tokens: number[] = [];
  let weights: number[] = [];
  let lastComma = -1;
  let tokenCount = 0;

  const nextChunk = (isLast = false): void => {
    tokenCount += isLast ? tokens.length : chunkLength;
    const pad = chunkLength - tokens.length;
    chunks.push({
      ids: [bosId, ...tokens, eosId, ...new Array<number>(Math.max(pad, 0)).fill(padId)],
      weights: [1, ...weights, 1, ...new Array<number>(Math.max(pad, 0)).fill(1)],
    });
    tokens = [];
    weights = [];
    lastComma = -1;
  };

  for (const segment of segments) {
    if (segment.isBreak) {
      nextChunk();
      continue;
    }
    for (const token of segment.ids) {
      if (commaId !== undefined && token === commaId) {
        lastComma = tokens.length;
      } else if (commaBacktrack !== 0 && tokens.length === chunkLength && lastComma !== -1 && tokens.length - lastComma <= commaBacktrack) {
        const at = lastComma + 1;
        const movedTokens = tokens.slice(at);
        const movedWeights = weights.slice(at);
        tokens = tokens.slice(0, at);
        weights = weights.slice(0, at);
        nextChunk();
        tokens = movedTokens;
        weights = movedWeights;
      }
      if (tokens.length === chunkLength) nextChunk();
      tokens.push(token);
      weights.push(segment.weight);
    }
  }
  if (tokens.length > 0 || chunks.length === 0) nextChunk(true);
  return { chunks, tokenCount };
}
