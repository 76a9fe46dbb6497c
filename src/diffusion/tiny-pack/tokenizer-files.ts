/**
 * A tiny CLIP-format tokenizer (vocab.json + merges.txt) laid out exactly like openai/clip's:
 * ids 0–255 are the GPT-2 byte characters (printable bytes first, as `bytes_to_unicode` lists
 * them), 256–511 the same with the end-of-word marker `</w>`,
 * then one id per merge in rank order, then `<|startoftext|>` and `<|endoftext|>`. The merges are
 * learned here by plain BPE on a small built-in corpus, so the files are generated, not copied.
 */

/** The bytes in GPT-2's table order: printable ones first, then the rest (CLIP's vocab order). */
export function byteOrder(): number[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const taken = new Set(printable);
  for (let b = 0; b < 256; b++) if (!taken.has(b)) printable.push(b);
  return printable;
}

/** GPT-2's reversible byte → printable character table (as CLIP uses it). */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table: string[] = new Array(256);
  const taken = new Set(printable);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    if (taken.has(b)) table[b] = String.fromCodePoint(b);
    else table[b] = String.fromCodePoint(256 + next++);
  }
  return table;
}

/** Words typical of anime-me prompts: enough for merges that make real prompts tokenise into words. */
const CORPUS = `
masterpiece best quality anime style portrait of a young woman smiling with long hair and bright eyes
an old man with a grey beard wearing glasses in a park on a sunny day, cel shading, clean lines
a couple standing by the sea at sunset, soft watercolor, pastel colors, detailed background
a group of friends laughing in a city street at night, neon lights, manga ink, high contrast
a child holding a cat, dreamy sky, clouds, studio ghibli inspired, warm light, low quality, worst quality
blurry, lowres, bad anatomy, extra fingers, deformed hands, watermark, text, signature, jpeg artifacts
a dog running on the grass, a landscape with mountains and a river, flowers, trees, illustration
girl boy man woman person people face eyes hair smile happy sad angry surprised
`;

export interface TinyTokenizerFiles {
  vocab: Record<string, number>;
  /** merges.txt content, header line included. */
  merges: string;
  vocabSize: number;
  bosId: number;
  eosId: number;
}

/** Learn up to `mergeCount` BPE merges from the corpus, stopping when every corpus word is one token (ties break on the pair text). */
export function createTinyTokenizerFiles(mergeCount = 2000): TinyTokenizerFiles {
  const byteChars = bytesToUnicode();
  const encoder = new TextEncoder();
  const wordCounts = new Map<string, number>();
  for (const word of CORPUS.toLowerCase().match(/[a-z]+|[0-9]|[^\sa-z0-9]+/g) ?? []) {
    wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
  }
  // Each word as a list of symbols, the last one carrying `</w>`, as CLIP's bpe() starts.
  const words = [...wordCounts].map(([word, count]) => {
    const symbols = [...encoder.encode(word)].map((b) => byteChars[b]);
    symbols[symbols.length - 1] += '</w>';
    return { symbols, count };
  });

  const merges: [string, string][] = [];
  while (merges.length < mergeCount) {
    const pairCounts = new Map<string, number>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]} ${symbols[i + 1]}`;
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
      }
    }
    let best: string | undefined;
    let bestCount = 0;
    for (const [key, count] of pairCounts) {
      if (count > bestCount || (count === bestCount && best !== undefined && key < best)) {
        best = key;
        bestCount = count;
      }
    }
    if (!best) break; // every word is one symbol already
    const [a, b] = best.split(' ');
    merges.push([a, b]);
    for (const word of words) {
      const merged: string[] = [];
      for (let i = 0; i < word.symbols.length; i++) {
        if (i + 1 < word.symbols.length && word.symbols[i] === a && word.symbols[i + 1] === b) {
          merged.push(a + b);
          i++;
        } else {
          merged.push(word.symbols[i]);
        }
      }
      word.symbols = merged;
    }
  }

  const vocab: Record<string, number> = {};
  let id = 0;
  const order = byteOrder();
  for (const b of order) vocab[byteChars[b]] = id++;
  for (const b of order) vocab[`${byteChars[b]}</w>`] = id++;
  for (const [a, b] of merges) if (!((a + b) in vocab)) vocab[a + b] = id++;
  const bosId = id++;
  const eosId = id++;
  vocab['<|startoftext|>'] = bosId;
  vocab['<|endoftext|>'] = eosId;
  const mergesText = ['#version: 0.2', ...merges.map(([a, b]) => `${a} ${b}`)].join('\n') + '\n';
  return { vocab, merges: mergesText, vocabSize: id, bosId, eosId };
}

const special = (content: string) => ({ content, lstrip: false, normalized: true, rstrip: false, single_word: false });

export function specialTokensMap(): Record<string, unknown> {
  return {
    bos_token: special('<|startoftext|>'),
    eos_token: special('<|endoftext|>'),
    pad_token: '<|endoftext|>',
    unk_token: special('<|endoftext|>'),
  };
}

export function tokenizerConfig(maxLength: number): Record<string, unknown> {
  return {
    add_prefix_space: false,
    bos_token: special('<|startoftext|>'),
    do_lower_case: true,
    eos_token: special('<|endoftext|>'),
    errors: 'replace',
    model_max_length: maxLength,
    pad_token: '<|endoftext|>',
    tokenizer_class: 'CLIPTokenizer',
    unk_token: special('<|endoftext|>'),
  };
}
