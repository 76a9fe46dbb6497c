/**
 * G1: every input of the generated hostile corpus (corpus.ts, ≥ 200) through decodeImage and through
 * the full pipeline (real sharp codec, real embedded stylizer, no analyser), plus a smaller subset
 * through createAnimeMe() with the analyser and the super-resolution model. Each input must end as
 * its expected class: a correct result (right upright size and colours; outputs free of metadata and
 * of the input's payloads) or an AnimeMeError with the expected code and a one-line message. Never a
 * raw error, a crash, an unhandled rejection, or a hang (10 s guard per input).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { AnimeMeError } from '../../src/errors.js';
import { decodeImage } from '../../src/image/decode.js';
import { sharp } from '../../src/image/sharp-setup.js';
import { createAnimeMe } from '../../src/node/create-anime-me.js';
import { createSharpCodec } from '../../src/node/sharp-codec.js';
import type { OutputFormat } from '../../src/pipeline/codec.js';
import { createPipeline, type PipelineResult } from '../../src/pipeline/pipeline.js';
import { createEmbeddedStylizer } from '../../src/stylize/index.js';
import { attempt, colourDistance, judgeOutcome, judgeOutput, outcomeOf, quadrantMeans, type Attempt } from './check.js';
import { buildCorpus, photo, summarise, type HostileInput } from './corpus.js';

// Anything that rejects with nobody listening is a failure of the library, whatever the input.
const unhandled: string[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason instanceof Error ? reason.stack ?? reason.message : String(reason));
process.on('unhandledRejection', onUnhandled);
after(() => {
  process.off('unhandledRejection', onUnhandled);
});

const corpus = await buildCorpus();
const FORMATS: readonly OutputFormat[] = ['png', 'jpeg', 'webp'];

interface Tally {
  inputs: number;
  outcomes: Record<string, number>;
  escapes: number;
  maxMs: number;
  slowest: string;
}

function tally(): Tally {
  return { inputs: 0, outcomes: {}, escapes: 0, maxMs: 0, slowest: '' };
}

function count(t: Tally, input: HostileInput, result: Attempt<unknown>): void {
  const outcome = outcomeOf(result);
  t.inputs++;
  t.outcomes[outcome] = (t.outcomes[outcome] ?? 0) + 1;
  if (outcome === 'escape' || outcome === 'hang') t.escapes++;
  if (result.ms > t.maxMs) {
    t.maxMs = result.ms;
    t.slowest = input.name;
  }
}

function print(label: string, t: Tally): void {
  const outcomes = Object.entries(t.outcomes)
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  console.log(`hostile ${label}: ${t.inputs} inputs; ${outcomes}; non-AnimeMeError escapes + hangs: ${t.escapes}; slowest ${t.maxMs.toFixed(0)} ms (${t.slowest})`);
}

function aspectMatches(out: { width: number; height: number }, expected: { width: number; height: number }): boolean {
  // Within 2 px of the exact aspect (a side rounds to ≥ 1 px before the ×2 upscale), or within 3 %.
  const exactHeight = (out.width * expected.height) / expected.width;
  const exactWidth = (out.height * expected.width) / expected.height;
  return Math.abs(out.height - exactHeight) <= 2.01 || Math.abs(out.width - exactWidth) <= 2.01 || Math.abs(out.width / out.height / (expected.width / expected.height) - 1) <= 0.03;
}

test('the judge catches raw errors, wrong codes, multi-line messages and hangs', async () => {
  const input: HostileInput = { name: 'probe', group: 'probe', bytes: new Uint8Array(0), expect: ['CORRUPT_IMAGE'] };
  const judge = async (work: () => Promise<unknown>, limit?: number) => judgeOutcome(input, await attempt(work, limit), 'judge');
  assert.match((await judge(async () => { throw new TypeError('raw'); }))[0], /escaped as a non-AnimeMeError: TypeError: raw/);
  assert.match((await judge(async () => { throw new AnimeMeError('TOO_LARGE', 'big'); }))[0], /expected CORRUPT_IMAGE, got TOO_LARGE/);
  assert.match((await judge(async () => { throw new AnimeMeError('CORRUPT_IMAGE', 'a\nb'); }))[0], /not one short line/);
  assert.match((await judge(async () => 'fine'))[0], /expected CORRUPT_IMAGE, got ok/);
  assert.match((await judge(() => new Promise(() => {}), 20))[0], /no answer within/);
  assert.deepEqual(await judge(async () => { throw new AnimeMeError('CORRUPT_IMAGE', 'The PNG image is corrupt'); }), []);
});

test('the corpus is large and covers every class the issue lists', () => {
  const summary = summarise(corpus);
  console.log(`hostile corpus: ${corpus.length} inputs; expected accept ${summary.accept}, reject ${summary.reject}, either (seeded damage) ${summary.either}; groups ${JSON.stringify(summary.groups)}`);
  assert.ok(corpus.length >= 200, `${corpus.length} inputs`);
  for (const group of ['trivial', 'random', 'truncated', 'bitflip', 'crc', 'bomb', 'zero', 'layout', 'animated', 'type', 'polyglot', 'metadata', 'orientation']) {
    assert.ok(summary.groups[group] > 0, `group ${group}`);
  }
  const codes = new Set(corpus.flatMap((i) => i.expect));
  for (const code of ['ok', 'EMPTY_INPUT', 'UNSUPPORTED_TYPE', 'CORRUPT_IMAGE', 'TOO_MANY_PIXELS', 'TOO_LARGE']) assert.ok(codes.has(code as never), code);
});

test('decodeImage: every hostile input gets its expected outcome, upright and at its declared size', async () => {
  const t = tally();
  const problems: string[] = [];
  for (const input of corpus) {
    const result = await attempt(() => decodeImage(input.bytes));
    count(t, input, result);
    problems.push(...judgeOutcome(input, result, 'decode'));
    if (!result.value) continue;
    const { image, originalWidth, originalHeight, orientation } = result.value;
    if (image.data.length !== image.width * image.height * 3) problems.push(`decode ${input.name}: data is not width*height*3`);
    if (input.size && (originalWidth !== input.size.width || originalHeight !== input.size.height || image.width !== input.size.width || image.height !== input.size.height)) {
      problems.push(`decode ${input.name}: ${image.width}x${image.height} (original ${originalWidth}x${originalHeight}), expected ${input.size.width}x${input.size.height}`);
    }
    if (input.orientation !== undefined && orientation !== input.orientation) problems.push(`decode ${input.name}: orientation ${orientation}, expected ${input.orientation}`);
    for (const { x, y, rgb, tolerance } of input.colours ?? []) {
      const px = Math.min(image.width - 1, Math.floor(x * image.width));
      const py = Math.min(image.height - 1, Math.floor(y * image.height));
      const i = (py * image.width + px) * 3;
      const got = [image.data[i], image.data[i + 1], image.data[i + 2]];
      if (colourDistance(got, rgb) > tolerance) problems.push(`decode ${input.name}: (${x},${y}) is ${got.join(',')}, expected ${rgb.join(',')} ±${tolerance}`);
    }
  }
  print('decodeImage', t);
  assert.deepEqual(problems, []);
  assert.equal(t.escapes, 0);
});

/** Problems with a pipeline result for an accepted input: output/composite metadata, size, aspect, secrets. */
async function judgeResult(input: HostileInput, result: PipelineResult, format: OutputFormat, label: string): Promise<string[]> {
  const problems = await judgeOutput(result.output, { format, width: result.image.width, height: result.image.height }, input.secrets ?? [], `${label} ${input.name} output`);
  if (result.composite) {
    const meta = await sharp(result.composite).metadata();
    problems.push(...(await judgeOutput(result.composite, { format: 'jpeg', width: meta.width ?? 0, height: meta.height ?? 0 }, input.secrets ?? [], `${label} ${input.name} composite`)));
  }
  if (input.size && !aspectMatches(result.image, input.size)) {
    problems.push(`${label} ${input.name}: output ${result.image.width}x${result.image.height} is not upright ${input.size.width}x${input.size.height}`);
  }
  if (input.size && (result.input.width !== input.size.width || result.input.height !== input.size.height)) {
    problems.push(`${label} ${input.name}: input reported as ${result.input.width}x${result.input.height}`);
  }
  return problems;
}

test('pipeline (sharp codec, embedded stylizer, no analyser): same classes, metadata-free upright outputs', async () => {
  const pipeline = createPipeline({ codec: createSharpCodec(), stylizer: createEmbeddedStylizer() });
  const t = tally();
  const problems: string[] = [];
  const orientationMeans = new Map<string, [number, number, number][]>();
  try {
    for (const [n, input] of corpus.entries()) {
      const format = FORMATS[n % FORMATS.length];
      const result = await attempt(() => pipeline.run(input.bytes, { size: 128, analyse: false, format, composite: n % 4 === 0, seed: 1 }));
      count(t, input, result);
      problems.push(...judgeOutcome(input, result, 'pipeline'));
      if (!result.value) continue;
      problems.push(...(await judgeResult(input, result.value, format, 'pipeline')));
      if (input.group === 'orientation') orientationMeans.set(input.name, quadrantMeans(result.value.image));
    }
  } finally {
    await pipeline.dispose();
  }
  print('pipeline', t);

  // Upright through the whole pipeline: every orientation's stylized result matches orientation 1's,
  // quadrant by quadrant, and orientation 1's quadrants are distinct (so the comparison means something).
  const reference = orientationMeans.get('orientation/jpeg-1');
  assert.ok(reference, 'orientation 1 ran');
  for (let a = 0; a < 4; a++) for (let b = a + 1; b < 4; b++) assert.ok(colourDistance(reference[a], reference[b]) > 40, `quadrants ${a}/${b} distinct`);
  for (const [name, means] of orientationMeans) {
    means.forEach((mean, q) => {
      if (colourDistance(mean, reference[q]) > 30) problems.push(`pipeline ${name}: quadrant ${q} is ${mean.map(Math.round).join(',')}, upright is ${reference[q].map(Math.round).join(',')}`);
    });
  }
  assert.deepEqual(problems, []);
  assert.equal(t.escapes, 0);
});

test('createAnimeMe() with the analyser and super-resolution: a representative subset', async () => {
  // Every input marked withAnalyser, plus the first refused input of each group.
  const subset = corpus.filter((input) => input.withAnalyser);
  const seen = new Set<string>();
  for (const input of corpus) {
    if (!input.expect.includes('ok') && !seen.has(input.group)) {
      seen.add(input.group);
      subset.push(input);
    }
  }
  assert.ok(subset.length >= 20, `${subset.length} inputs`);
  const pipeline = createAnimeMe();
  const t = tally();
  const problems: string[] = [];
  try {
    // Model loading happens on the first run; do it outside the per-input bound.
    await pipeline.run(photo('deb_skimage_astronaut.png'), { size: 128 });
    for (const [n, input] of subset.entries()) {
      const format = FORMATS[n % FORMATS.length];
      const result = await attempt(() => pipeline.run(input.bytes, { size: 128, format, composite: n % 2 === 0, seed: 2 }));
      count(t, input, result);
      problems.push(...judgeOutcome(input, result, 'createAnimeMe'));
      if (result.value) problems.push(...(await judgeResult(input, result.value, format, 'createAnimeMe')));
    }
  } finally {
    await pipeline.dispose();
  }
  print('createAnimeMe', t);
  assert.deepEqual(problems, []);
  assert.equal(t.escapes, 0);
});

test('no unhandled rejections during the whole run', async () => {
  // Give stray promises from abandoned native work a turn to settle before judging.
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(unhandled, []);
});
