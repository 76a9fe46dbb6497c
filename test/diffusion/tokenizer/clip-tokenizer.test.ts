import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClipTokenizer } from '../../../src/diffusion/tokenizer/index.js';
import { byteToUnicode, tinyFiles } from './tiny-vocab.js';

const files = tinyFiles();
const v = files.vocab;
const tok = createClipTokenizer(files);
const BOS = v['<|startoftext|>'];
const EOS = v['<|endoftext|>'];

describe('CLIP tokenizer (tiny vocabulary)', () => {
  it('applies merges and the </w> word suffix', () => {
    assert.deepEqual(tok.tokenize('hello world'), [v['hello</w>'], v['world</w>']]);
    assert.deepEqual(tok.tokenize('cat'), [v['cat</w>']]);
    // No merge makes "cats": the suffix sits on the last symbol, so "ca" + "t" + "s</w>".
    assert.deepEqual(tok.tokenize('cats'), [v.ca, v.t, v['s</w>']]);
  });

  it('merges the lowest-ranked pair first', () => {
    // "b c</w>" is ranked before "a b", so abc → a + bc</w>, not ab + c</w>.
    assert.deepEqual(tok.tokenize('abc'), [v.a, v['bc</w>']]);
  });

  it('lowercases, collapses whitespace and pre-splits like CLIP', () => {
    assert.deepEqual(tok.tokenize('  HeLLo \n\t  CAT  '), [v['hello</w>'], v['cat</w>']]);
    // Digits split one by one; a punctuation run is one piece; contractions are their own pieces.
    assert.deepEqual(tok.tokenize('cat 42!!'), [v['cat</w>'], v['4</w>'], v['2</w>'], v['!!</w>']]);
    assert.deepEqual(tok.tokenize("it's"), [v['it</w>'], v["'s</w>"]]);
    assert.deepEqual(tok.tokenize('cat,dog'), [v['cat</w>'], v[',</w>'], v.d, v.o, v['g</w>']]);
  });

  it('maps non-ASCII text through the byte table', () => {
    const bytes = byteToUnicode();
    const e = [...Buffer.from('é', 'utf8')].map((b) => bytes[b]);
    assert.deepEqual(tok.tokenize('Café'), [v.ca, v.f, v[e[0]], v[`${e[1]}</w>`]]);
    // NFC: a decomposed é tokenizes like the composed one.
    assert.deepEqual(tok.tokenize('cafe\u0301'), tok.tokenize('café'));
  });

  it('frames with BOS/EOS, truncates to 75 and pads to 77 with the pad token', () => {
    const ids = tok.encode('hello world');
    assert.equal(ids.length, 77);
    assert.deepEqual(ids.slice(0, 4), [BOS, v['hello</w>'], v['world</w>'], EOS]);
    assert.ok(ids.slice(4).every((id) => id === EOS));
    const long = tok.encode(Array.from({ length: 100 }, () => 'cat').join(' '));
    assert.equal(long.length, 77);
    assert.equal(long[0], BOS);
    assert.ok(long.slice(1, 76).every((id) => id === v['cat</w>']));
    assert.equal(long[76], EOS);
    assert.deepEqual(tok.encode(''), [BOS, EOS, ...new Array(75).fill(EOS)]);
  });

  it("reads the pad token from special_tokens_map (SD2 pads with '!')", () => {
    const sd2 = createClipTokenizer(tinyFiles({ specialTokensMap: { pad_token: '!' } }));
    assert.equal(sd2.padId, v['!']);
    const ids = sd2.encode('cat');
    assert.deepEqual(ids.slice(0, 4), [BOS, v['cat</w>'], EOS, v['!']]);
  });

  it('honours model_max_length and ignores sentinel values', () => {
    assert.equal(createClipTokenizer(tinyFiles({ tokenizerConfig: { model_max_length: 16 } })).encode('cat').length, 16);
    assert.equal(createClipTokenizer(tinyFiles({ tokenizerConfig: { model_max_length: 1e30 } })).maxLength, 77);
  });

  it('rejects broken tokenizer files as invalid models', () => {
    assert.throws(() => createClipTokenizer({ vocab: { a: 0 }, merges: '' }), { code: 'MODEL_INVALID' });
    assert.throws(() => createClipTokenizer(tinyFiles({ merges: 'a b c' })), { code: 'MODEL_INVALID' });
  });
});

describe('weighted, chunked encoding (A1111 style)', () => {
  it('carries emphasis weights per token', () => {
    const { chunks, tokenCount } = tok.encodeWeighted('a (cat:1.5) [hello] world');
    assert.equal(chunks.length, 1);
    assert.equal(tokenCount, 4);
    const [chunk] = chunks;
    assert.equal(chunk.ids.length, 77);
    assert.equal(chunk.weights.length, 77);
    assert.deepEqual(chunk.ids.slice(0, 6), [BOS, v['a</w>'], v['cat</w>'], v['hello</w>'], v['world</w>'], EOS]);
    assert.deepEqual(chunk.weights.slice(0, 6), [1, 1, 1.5, 1 / 1.1, 1, 1]);
    assert.ok(chunk.weights.slice(6).every((w) => w === 1));
  });

  it('splits long prompts into 75-token windows, each framed and padded', () => {
    const prompt = Array.from({ length: 80 }, () => 'cat').join(' ');
    const { chunks, tokenCount } = tok.encodeWeighted(prompt, { commaBacktrack: 0 });
    assert.equal(chunks.length, 2);
    assert.equal(tokenCount, 80);
    for (const c of chunks) {
      assert.equal(c.ids.length, 77);
      assert.equal(c.ids[0], BOS);
    }
    assert.equal(chunks[0].ids[76], EOS);
    assert.deepEqual(chunks[1].ids.slice(0, 7), [BOS, ...new Array(5).fill(v['cat</w>']), EOS]);
  });

  it('moves the words after a nearby comma into the next window', () => {
    // 70 cats, a comma, then 10 hellos: the window fills at 75 tokens with the comma 4 tokens back.
    const prompt = `${Array.from({ length: 70 }, () => 'cat').join(' ')}, ${Array.from({ length: 10 }, () => 'hello').join(' ')}`;
    const { chunks } = tok.encodeWeighted(prompt);
    assert.equal(chunks.length, 2);
    // First window: 70 cats + comma, then EOS and padding.
    assert.equal(chunks[0].ids[71], v[',</w>']);
    assert.equal(chunks[0].ids[72], EOS);
    // Second window: all ten hellos together.
    assert.deepEqual(chunks[1].ids.slice(1, 12), [...new Array(10).fill(v['hello</w>']), EOS]);
  });

  it('starts a new window at BREAK', () => {
    const { chunks } = tok.encodeWeighted('hello BREAK world');
    assert.equal(chunks.length, 2);
    assert.deepEqual(chunks[0].ids.slice(0, 3), [BOS, v['hello</w>'], EOS]);
    assert.deepEqual(chunks[1].ids.slice(0, 3), [BOS, v['world</w>'], EOS]);
  });

  it('returns one padded window for an empty prompt and enforces maxChunks', () => {
    const { chunks } = tok.encodeWeighted('');
    assert.equal(chunks.length, 1);
    assert.deepEqual(chunks[0].ids.slice(0, 3), [BOS, EOS, EOS]);
    const long = Array.from({ length: 200 }, () => 'cat').join(' ');
    assert.throws(() => tok.encodeWeighted(long, { maxChunks: 2 }), { code: 'INVALID_ARGUMENT' });
  });
});
