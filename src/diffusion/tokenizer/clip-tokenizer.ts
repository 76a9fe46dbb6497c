/**
 * CLIP BPE tokenizer for Stable Diffusion packs. Packs ship the "slow" files (vocab.json +
 * merges.txt), so we describe the CLIP fast tokenizer in tokenizer.json form — the same pipeline
 * transformers' CLIPConverter emits (NFC, whitespace collapse, lowercase; CLIP split pattern;
 * byte-level BPE with a `</w>` word suffix) — and let @huggingface/tokenizers run it. Framing,
 * padding, emphasis weights and A1111 chunking are ours.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { AnimeMeError } from '../../errors.js';
import { chunkTokens, type WeightedChunk } from './chunk-prompt.js';
import { parsePromptWeights } from './prompt-weights.js';

export type { WeightedChunk } from './chunk-prompt.js';

/** The parsed contents of a pack's `tokenizer/` folder. */
export interface ClipTokenizerFiles {
  /** vocab.json */
  vocab: Record<string, number>;
  /** merges.txt contents (the `#version` header is skipped), or its lines. */
  merges: string | readonly string[];
  /** special_tokens_map.json, when present: bos/eos/pad tokens. */
  specialTokensMap?: Record<string, unknown>;
  /** tokenizer_config.json, when present: model_max_length and token fallbacks. */
  tokenizerConfig?: Record<string, unknown>;
}

export interface WeightedEncodeOptions {
  /** A1111 comma_padding_backtrack (default 20); 0 disables it. */
  commaBacktrack?: number;
  /** Refuse prompts needing more windows than this (default: no limit). */
  maxChunks?: number;
}

export interface WeightedEncoding {
  /** One 77-id window per 75 prompt tokens (at least one). */
  chunks: WeightedChunk[];
  /** Prompt tokens used, as A1111 counts them (full windows count 75). */
  tokenCount: number;
}

export interface ClipTokenizer {
  /** model_max_length: 77 for every SD CLIP. */
  readonly maxLength: number;
  readonly bosId: number;
  readonly eosId: number;
  /** EOS for SD1.x, `!` (0) for SD2.x. */
  readonly padId: number;
  /** BPE ids without BOS/EOS, untruncated. */
  tokenize(text: string): number[];
  /** diffusers-style: BOS, at most maxLength − 2 tokens, EOS, padding; exactly maxLength ids. */
  encode(text: string): number[];
  /** A1111-style: emphasis syntax and BREAK parsed, per-token weights, 75-token windows. */
  encodeWeighted(prompt: string, options?: WeightedEncodeOptions): WeightedEncoding;
}

const BOS = '<|startoftext|>';
const EOS = '<|endoftext|>';
/** CLIP's pre-tokenizer pattern (case is already folded by the normalizer). */
const CLIP_SPLIT = "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";
/** The slow CLIPTokenizer reads only this many merges (49152 − 256 bytes − 2 specials). */
const MAX_MERGES = 49152 - 256 - 2;
const DEFAULT_MAX_LENGTH = 77;

export function createClipTokenizer(files: ClipTokenizerFiles): ClipTokenizer {
  const vocab = checkVocab(files.vocab);
  const merges = parseMerges(files.merges);
  const special = files.specialTokensMap ?? {};
  const config = files.tokenizerConfig ?? {};
  const bosToken = tokenContent(special.bos_token) ?? tokenContent(config.bos_token) ?? BOS;
  const eosToken = tokenContent(special.eos_token) ?? tokenContent(config.eos_token) ?? EOS;
  const padToken = tokenContent(special.pad_token) ?? tokenContent(config.pad_token) ?? eosToken;
  const bosId = lookup(vocab, bosToken, 'bos_token');
  const eosId = lookup(vocab, eosToken, 'eos_token');
  const padId = lookup(vocab, padToken, 'pad_token');
  // Exports often write a huge sentinel (1e30) when the length is "unbounded"; CLIP is 77.
  const configured = config.model_max_length;
  const maxLength =
    typeof configured === 'number' && Number.isInteger(configured) && configured >= 3 && configured <= 4096 ? configured : DEFAULT_MAX_LENGTH;
  const commaId = Object.hasOwn(vocab, ',</w>') ? vocab[',</w>'] : undefined;

  const addedToken = (content: string) => ({
    id: vocab[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: true,
    special: true,
  });
  const specials = [...new Set([BOS, EOS, bosToken, eosToken])].filter((t) => Object.hasOwn(vocab, t));
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(
      {
        version: '1.0',
        truncation: null,
        padding: null,
        added_tokens: specials.map(addedToken),
        normalizer: {
          type: 'Sequence',
          normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }],
        },
        pre_tokenizer: {
          type: 'Sequence',
          pretokenizers: [
            { type: 'Split', pattern: { Regex: CLIP_SPLIT }, behavior: 'Removed', invert: true },
            { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
          ],
        },
        post_processor: null,
        decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
        model: {
          type: 'BPE',
          dropout: null,
          unk_token: eosToken,
          continuing_subword_prefix: '',
          end_of_word_suffix: '</w>',
          fuse_unk: false,
          byte_fallback: false,
          vocab,
          merges,
        },
      },
      { model_max_length: maxLength },
    );
  } catch (error) {
    throw new AnimeMeError('MODEL_INVALID', `Could not build the CLIP tokenizer: ${(error as Error).message}`, { cause: error });
  }

  const tokenize = (text: string): number[] => {
    if (typeof text !== 'string') throw new AnimeMeError('INVALID_ARGUMENT', `Expected a string prompt but received ${typeof text}`);
    if (text.trim() === '') return [];
    return tokenizer.encode(text, { add_special_tokens: false }).ids;
  };

  const frame = (ids: readonly number[]): number[] => {
    const body = ids.slice(0, maxLength - 2);
    return [bosId, ...body, eosId, ...new Array<number>(maxLength - 2 - body.length).fill(padId)];
  };

  return {
    maxLength,
    bosId,
    eosId,
    padId,
    tokenize,
    encode: (text) => frame(tokenize(text)),
    encodeWeighted(prompt, options = {}) {
      const segments = parsePromptWeights(prompt).map((s) => ({ ids: s.isBreak ? [] : tokenize(s.text), weight: s.weight, isBreak: s.isBreak }));
      const result = chunkTokens(segments, {
        chunkLength: maxLength - 2,
        bosId,
        eosId,
        padId,
        commaId,
        commaBacktrack: options.commaBacktrack ?? 20,
      });
      if (options.maxChunks !== undefined && result.chunks.length > options.maxChunks) {
        throw new AnimeMeError(
          'INVALID_ARGUMENT',
          `Prompt needs ${result.chunks.length} windows of ${maxLength - 2} tokens; at most ${options.maxChunks} are allowed`,
          { details: { parameter: 'prompt' } },
        );
      }
      return result;
    },
  };
}

function checkVocab(vocab: unknown): Record<string, number> {
  if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab)) {
    throw new AnimeMeError('MODEL_INVALID', 'tokenizer/vocab.json must be an object mapping tokens to ids');
  }
  for (const [token, id] of Object.entries(vocab)) {
    if (!Number.isInteger(id) || (id as number) < 0) {
      throw new AnimeMeError('MODEL_INVALID', `tokenizer/vocab.json maps ${JSON.stringify(token)} to a non-integer id`);
    }
  }
  return vocab as Record<string, number>;
}

function parseMerges(merges: string | readonly string[]): string[] {
  const lines = typeof merges === 'string' ? merges.split(/\r?\n/) : [...merges];
  const out: string[] = [];
  for (const line of lines) {
    if (line.startsWith('#version') || line.trim() === '') continue;
    const parts = line.trim().split(' ');
    if (parts.length !== 2) throw new AnimeMeError('MODEL_INVALID', `tokenizer/merges.txt has a malformed line: ${JSON.stringify(line.slice(0, 60))}`);
    out.push(`${parts[0]} ${parts[1]}`);
    if (out.length === MAX_MERGES) break;
  }
  return out;
}

/** special_tokens_map values are a string or an AddedToken object with `content`. */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return undefined;
}

function lookup(vocab: Record<string, number>, token: string, what: string): number {
  const id = Object.hasOwn(vocab, token) ? vocab[token] : undefined;
  if (id === undefined) throw new AnimeMeError('MODEL_INVALID', `The tokenizer's ${what} ${JSON.stringify(token)} is not in vocab.json`);
  return id;
}
