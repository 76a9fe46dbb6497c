/**
 * A miniature CLIP vocabulary built the way CLIP's is: the 256 byte symbols of GPT-2's
 * byte-to-unicode table, the same 256 with `</w>`, one entry per merge (in merge order), then the
 * two specials. Small enough to reason about by hand; no real CLIP ids are claimed.
 */
import type { ClipTokenizerFiles } from '../../../src/diffusion/tokenizer/index.js';

/** GPT-2's byte → printable character table. */
export function byteToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  }
  return table;
}

export const TINY_MERGES = [
  'h e',
  'l l',
  'he ll',
  'hell o</w>',
  'w o',
  'r l',
  'wo rl',
  'worl d</w>',
  'c a',
  'ca t</w>',
  "' s</w>",
  'i t</w>',
  '! !</w>',
  'b c</w>',
  'a b',
];

export function tinyFiles(extra: Partial<ClipTokenizerFiles> = {}): ClipTokenizerFiles & { vocab: Record<string, number> } {
  const vocab: Record<string, number> = {};
  let id = 0;
  const bytes = byteToUnicode();
  // CLIP orders the plain byte symbols by the table's printable-first order; any fixed order works here.
  for (const ch of bytes) vocab[ch] = id++;
  for (const ch of bytes) vocab[`${ch}</w>`] = id++;
  for (const merge of TINY_MERGES) {
    const token = merge.replace(' ', '');
    if (!(token in vocab)) vocab[token] = id++;
  }
  vocab['<|startoftext|>'] = id++;
  vocab['<|endoftext|>'] = id++;
  return {
    vocab,
    merges: ['#version: 0.2', ...TINY_MERGES, ''].join('\n'),
    specialTokensMap: {
      bos_token: { content: '<|startoftext|>', lstrip: false, normalized: true, rstrip: false, single_word: false },
      eos_token: { content: '<|endoftext|>', lstrip: false, normalized: true, rstrip: false, single_word: false },
      pad_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
    },
    tokenizerConfig: { model_max_length: 77, do_lower_case: true },
    ...extra,
  };
}
