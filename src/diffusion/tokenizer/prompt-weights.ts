/**
 * A1111 prompt emphasis (`modules/prompt_parser.py`, parse_prompt_attention), reimplemented:
 * `(text)` ×1.1, `[text]` ÷1.1, `(text:1.3)` ×1.3, nesting multiplies, unbalanced brackets close at
 * the end, `\(` `\)` `\[` `\]` `\\` are literals, and the word BREAK starts a new 75-token chunk.
 */

export interface PromptSegment {
  text: string;
  weight: number;
  /** True for a BREAK marker (text is empty, weight 1). */
  isBreak?: boolean;
}

const ROUND = 1.1;
const SQUARE = 1 / 1.1;
// Escapes, brackets, an explicit ":weight)" closer, plain runs, and a stray colon.
const ATTENTION = /\\\(|\\\)|\\\[|\\\]|\\\\|\\|\(|\[|:\s*([+-]?[.\d]+)\s*\)|\)|\]|[^\\()[\]:]+|:/g;
const BREAK = /\s*\bBREAK\b\s*/;

export function parsePromptWeights(prompt: string): PromptSegment[] {
  // Working list; weight −1 marks BREAK so that runs never merge across it.
  const res: [string, number][] = [];
  const round: number[] = [];
  const square: number[] = [];
  const multiplyFrom = (start: number, factor: number): void => {
    for (let p = start; p < res.length; p++) res[p][1] *= factor;
  };

  for (const match of prompt.matchAll(ATTENTION)) {
    const text = match[0];
    const weight = match[1];
    if (text.startsWith('\\')) {
      res.push([text.slice(1), 1]);
    } else if (text === '(') {
      round.push(res.length);
    } else if (text === '[') {
      square.push(res.length);
    } else if (weight !== undefined && round.length > 0) {
      const value = Number.parseFloat(weight);
      multiplyFrom(round.pop() as number, Number.isFinite(value) ? value : 1);
    } else if (text === ')' && round.length > 0) {
      multiplyFrom(round.pop() as number, ROUND);
    } else if (text === ']' && square.length > 0) {
      multiplyFrom(square.pop() as number, SQUARE);
    } else {
      text.split(BREAK).forEach((part, i) => {
        if (i > 0) res.push(['BREAK', -1]);
        res.push([part, 1]);
      });
    }
  }
  for (const start of round) multiplyFrom(start, ROUND);
  for (const start of square) multiplyFrom(start, SQUARE);
  if (res.length === 0) res.push(['', 1]);

  // Merge neighbours with identical weights, as A1111 does (so tokenization sees longer runs).
  for (let i = 0; i + 1 < res.length; ) {
    if (res[i][1] === res[i + 1][1]) {
      res[i][0] += res[i + 1][0];
      res.splice(i + 1, 1);
    } else {
      i++;
    }
  }
  return res.map(([text, weight]) => (weight === -1 && text === 'BREAK' ? { text: '', weight: 1, isBreak: true } : { text, weight }));
}
