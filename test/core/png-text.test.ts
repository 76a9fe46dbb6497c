import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  crc32,
  formatInfotext,
  hasPngSignature,
  insertPngTextChunks,
  listPngChunks,
  parseInfotext,
  parseInfotextParts,
  readInfotext,
  readPngTextChunks,
  type GenerationParameters,
} from '../../src/core/png-text.js';
import { AnimeMeError } from '../../src/errors.js';

// A real 1×1 RGB PNG, built by hand so this portable test needs no image library.
function chunk(type: string, data: number[]): number[] {
  const body = [...type].map((c) => c.charCodeAt(0)).concat(data);
  const crc = crc32(Uint8Array.from(body));
  const u32 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return [...u32(data.length), ...body, ...u32(crc)];
}
const IHDR = [0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0];
// zlib stream of one scanline: filter 0 + RGB(255,0,0), stored block.
const IDAT = [0x78, 0x01, 0x01, 0x04, 0x00, 0xfb, 0xff, 0x00, 0xff, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00];
const TINY_PNG = Uint8Array.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
  ...chunk('IHDR', IHDR),
  ...chunk('IDAT', IDAT),
  ...chunk('IEND', []),
]);

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => e instanceof AnimeMeError && e.code === code);
}

test('crc32 matches the standard check value and the IEND constant', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new TextEncoder().encode('IEND')), 0xae426082);
});

test('text chunks go before the first IDAT with valid CRCs; tEXt for Latin-1, iTXt otherwise', () => {
  const out = insertPngTextChunks(TINY_PNG, { parameters: 'café, 1girl', Comment: '猫と少女' });
  assert.ok(hasPngSignature(out));
  const { chunks, complete } = listPngChunks(out);
  assert.ok(complete);
  assert.deepEqual(
    chunks.map((c) => c.type),
    ['IHDR', 'tEXt', 'iTXt', 'IDAT', 'IEND'],
  );
  for (const c of chunks) {
    const stored = new DataView(out.buffer, out.byteOffset).getUint32(c.dataOffset + c.length);
    assert.equal(crc32(out, c.offset + 4, c.dataOffset + c.length), stored, `CRC of ${c.type}`);
  }
  // Latin-1 "é" is stored as the single byte 0xE9 in tEXt.
  const text = chunks[1];
  assert.equal(out[text.dataOffset + 'parameters'.length + 1 + 3], 0xe9);
  assert.deepEqual(readPngTextChunks(out), { parameters: 'café, 1girl', Comment: '猫と少女' });
});

test('re-inserting a keyword replaces the old chunk instead of adding a second one', () => {
  const once = insertPngTextChunks(TINY_PNG, { parameters: 'first' });
  const twice = insertPngTextChunks(once, { parameters: '二番目' });
  const types = listPngChunks(twice).chunks.map((c) => c.type);
  assert.equal(types.filter((t) => t === 'tEXt' || t === 'iTXt').length, 1);
  assert.deepEqual(readPngTextChunks(twice), { parameters: '二番目' });
});

test('bad keywords, NUL in values and non-PNG input are INVALID_ARGUMENT', () => {
  assertCode(() => insertPngTextChunks(TINY_PNG, { '': 'x' }), 'INVALID_ARGUMENT');
  assertCode(() => insertPngTextChunks(TINY_PNG, { ' lead': 'x' }), 'INVALID_ARGUMENT');
  assertCode(() => insertPngTextChunks(TINY_PNG, { ['k'.repeat(80)]: 'x' }), 'INVALID_ARGUMENT');
  assertCode(() => insertPngTextChunks(TINY_PNG, { 'プロンプト': 'x' }), 'INVALID_ARGUMENT');
  assertCode(() => insertPngTextChunks(TINY_PNG, { k: 'a\0b' }), 'INVALID_ARGUMENT');
  assertCode(() => insertPngTextChunks(new TextEncoder().encode('not a png'), { k: 'v' }), 'INVALID_ARGUMENT');
  assertCode(() => readPngTextChunks(new Uint8Array([0xff, 0xd8, 0xff])), 'INVALID_ARGUMENT');
  // Truncated after the text chunk: the complete chunks are still readable, insert refuses.
  const withText = insertPngTextChunks(TINY_PNG, { parameters: 'kept' });
  const cut = withText.subarray(0, withText.length - 20);
  assert.deepEqual(readPngTextChunks(cut), { parameters: 'kept' });
  assertCode(() => insertPngTextChunks(cut, { k: 'v' }), 'INVALID_ARGUMENT');
});

const BASE: GenerationParameters = {
  prompt: '1girl, smiling, looking at viewer',
  negativePrompt: 'lowres, bad anatomy',
  steps: 20,
  sampler: 'Euler a',
  cfgScale: 7,
  seed: 1234567,
  width: 512,
  height: 768,
  denoisingStrength: 0.6,
  model: 'anything-v3',
};

test('infotext follows the A1111 layout', () => {
  assert.equal(
    formatInfotext(BASE),
    '1girl, smiling, looking at viewer\nNegative prompt: lowres, bad anatomy\n' +
      'Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1234567, Size: 512x768, Model: anything-v3, Denoising strength: 0.6',
  );
  // No negative prompt → no line for it.
  assert.equal(formatInfotext({ ...BASE, negativePrompt: '' }).split('\n').length, 2);
});

test('infotext round-trips: Chinese prompt, `,` and `:` in prompt and values, multi-line prompt', () => {
  const cases: GenerationParameters[] = [
    BASE,
    { ...BASE, prompt: '一个女孩，微笑，樱花树下，动漫风格', negativePrompt: '低质量，模糊' },
    { ...BASE, prompt: 'masterpiece, (smile:1.2), time: 12:30, a:b', negativePrompt: 'text, watermark: none' },
    { ...BASE, prompt: 'line one, cat\nline two: dog', negativePrompt: 'neg one\nneg two' },
    { ...BASE, sampler: 'DPM++ 2M, Karras', model: 'dir: v1, final', extra: { 'Schedule type': 'Karras', ENSD: 31337, Note: 'a, b: "c"\nd' } },
    { prompt: '', negativePrompt: '', steps: 1, sampler: 'LCM', seed: -1, width: 64, height: 64 },
  ];
  for (const p of cases) {
    const text = formatInfotext(p);
    assert.equal(text.split('\n').at(-1)!.includes('\n'), false);
    assert.deepEqual(parseInfotext(text), p, text);
    // And through a real PNG chunk (iTXt for the Chinese one).
    const png = insertPngTextChunks(TINY_PNG, { parameters: text });
    assert.deepEqual(readInfotext(png), p);
  }
});

test('values with `,` `:` or newline are written as JSON strings', () => {
  const text = formatInfotext({ ...BASE, model: 'a, b', extra: { Lora: 'x:1', Plain: 'ok' } });
  const last = text.split('\n').at(-1)!;
  assert.match(last, /Model: "a, b"/);
  assert.match(last, /Lora: "x:1"/);
  assert.match(last, /Plain: ok/);
});

test('parser reads real A1111 text, including quoted values and Python-style floats', () => {
  const text =
    'masterpiece, 1girl\nNegative prompt: worst quality\n' +
    'Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 7.0, Seed: 42, Size: 512x768, Model hash: 45dee52b, ' +
    'Model: anything-v3, Denoising strength: 0.55, Lora hashes: "add_detail: 7c6bad76eb54", Version: v1.10.1';
  const p = parseInfotext(text);
  assert.equal(p.prompt, 'masterpiece, 1girl');
  assert.equal(p.negativePrompt, 'worst quality');
  assert.equal(p.steps, 28);
  assert.equal(p.sampler, 'DPM++ 2M Karras');
  assert.equal(p.cfgScale, 7);
  assert.equal(p.seed, 42);
  assert.equal(p.width, 512);
  assert.equal(p.height, 768);
  assert.equal(p.denoisingStrength, 0.55);
  assert.equal(p.model, 'anything-v3');
  assert.deepEqual(p.extra, { 'Model hash': '45dee52b', 'Lora hashes': 'add_detail: 7c6bad76eb54', Version: 'v1.10.1' });
});

test('a last line with fewer than 3 pairs is part of the prompt; missing fields take A1111 defaults', () => {
  const parts = parseInfotextParts('a cat\nstyle: anime, mood: calm');
  assert.equal(parts.prompt, 'a cat\nstyle: anime, mood: calm');
  assert.deepEqual(parts.pairs, {});
  const p = parseInfotext('just a prompt');
  assert.equal(p.prompt, 'just a prompt');
  assert.equal(p.steps, 50);
  assert.equal(p.seed, -1);
  assert.equal(p.width, 512);
  assert.equal(p.cfgScale, undefined);
});

test('formatInfotext rejects bad numbers and keys with the standard message', () => {
  assert.throws(() => formatInfotext({ ...BASE, steps: -1 }), {
    message: 'Expected positive integer for steps but received -1 of type number',
  });
  assertCode(() => formatInfotext({ ...BASE, width: 1.5 }), 'INVALID_ARGUMENT');
  assertCode(() => formatInfotext({ ...BASE, denoisingStrength: 2 }), 'INVALID_ARGUMENT');
  assertCode(() => formatInfotext({ ...BASE, extra: { 'Bad:key': 1 } }), 'INVALID_ARGUMENT');
  assertCode(() => formatInfotext({ ...BASE, extra: { Steps: 3 } }), 'INVALID_ARGUMENT');
  assertCode(() => formatInfotext({ ...BASE, extra: { Ok: Number.NaN } }), 'INVALID_ARGUMENT');
});
