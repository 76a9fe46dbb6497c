/**
 * G5: the CI-sized fuzz run. FUZZ_COUNT (default 10 000) seeded mutations of the fixture photos go
 * through decodeImage, and FUZZ_ANALYSE_COUNT (default 200) of those that decode also go through the
 * analyser. Pass: no rejection other than an AnimeMeError with a one-line message, no malformed
 * result, no input over 5 s, no unhandled rejection. On 2 cores this takes about a minute and a
 * half; the longer nightly run is `node --import tsx scripts/fuzz.ts` (100 000 inputs by default).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createAnalyser } from '../../src/analyse/index.js';
import { AnimeMeError } from '../../src/errors.js';
import { createRandom, formatReport, inputSeed, loadSeeds, mutateInput, runFuzz, type FuzzSeed } from '../../scripts/fuzz.js';

const envCount = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return value;
};

const COUNT = envCount('FUZZ_COUNT', 10_000);
const ANALYSE_COUNT = envCount('FUZZ_ANALYSE_COUNT', 200);
const SEED = envCount('FUZZ_SEED', 1);
const MAX_MS = 5000;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);
after(() => {
  process.off('unhandledRejection', onUnhandled);
});

let seeds: FuzzSeed[] = [];

test('seeds come from every fixture photo, in every accepted layout', async () => {
  seeds = await loadSeeds();
  const photos = new Set(seeds.map((s) => s.name.split(':')[0]));
  assert.equal(photos.size, 7);
  assert.equal(seeds.length, 7 * 14);
  for (const layout of ['progressive.jpg', 'palette.png', 'rgb16.png', 'lossless-alpha.webp', 'small.avif', 'exif-icc.jpg']) {
    assert.ok(seeds.some((s) => s.name.endsWith(`:${layout}`)), layout);
  }
});

test('mutations are reproducible from (seed, index) and actually change the input', () => {
  const a = mutateInput(seeds, SEED, 1234);
  const b = mutateInput(seeds, SEED, 1234);
  assert.deepEqual(a, b);
  let changed = 0;
  for (let i = 0; i < 200; i++) {
    const m = mutateInput(seeds, SEED, i);
    const seed = seeds.find((s) => s.name === m.seedName)!;
    if (m.bytes.length !== seed.bytes.length || m.bytes.some((v, j) => v !== seed.bytes[j])) changed++;
  }
  // A few mutations can be no-ops (a byte set to its own value, a CRC fix on an intact PNG).
  assert.ok(changed >= 190, `${changed}/200 changed`);
  assert.notEqual(inputSeed(SEED, 1), inputSeed(SEED, 2));
  const r = createRandom(5);
  const values = Array.from({ length: 1000 }, () => r.int(10));
  for (let v = 0; v < 10; v++) assert.ok(values.filter((x) => x === v).length > 50, `value ${v} is drawn`);
});

test('the harness itself catches raw errors, malformed results and slow inputs', async () => {
  let n = 0;
  const report = await runFuzz({
    count: 12,
    seed: SEED,
    seeds,
    maxMs: 50,
    decode: async () => {
      const i = n++;
      if (i % 4 === 0) throw new TypeError('raw');
      if (i % 4 === 1) throw new AnimeMeError('CORRUPT_IMAGE', 'two\nlines');
      if (i % 4 === 2) await new Promise((resolve) => setTimeout(resolve, 60));
      return { image: { width: 2, height: 2, data: new Uint8Array(5) }, format: 'png', originalWidth: 2, originalHeight: 2, hadAlpha: false, orientation: 1 };
    },
  });
  const kinds: Record<string, number> = {};
  for (const e of report.escapes) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
  // Of every 4 inputs: a raw TypeError, a two-line message, a slow (60 ms > 50 ms) malformed result, a malformed result.
  assert.deepEqual(kinds, { 'non-AnimeMeError': 3, 'multi-line-message': 3, 'over-time': 3, 'bad-result': 6 });
  assert.ok(report.escapes.every((e) => e.bytes.length > 0 && e.mutations.length > 0 && e.seedName));
});

test(`fuzz: ${COUNT} mutated inputs through decodeImage, ${ANALYSE_COUNT} through the analyser: 0 escapes, none over ${MAX_MS} ms`, async () => {
  const analyser = ANALYSE_COUNT > 0 ? createAnalyser() : undefined;
  try {
    const report = await runFuzz({ count: COUNT, analyseCount: ANALYSE_COUNT, seed: SEED, seeds, maxMs: MAX_MS, ...(analyser ? { analyser } : {}) });
    console.log(formatReport(report));
    assert.equal(report.inputs, COUNT);
    assert.deepEqual(
      report.escapes.map((e) => `#${e.index} ${e.entry} ${e.kind}: ${e.message}`),
      [],
      `reproduce with: node --import tsx scripts/fuzz.ts --seed ${SEED} --start <index> --count 1`,
    );
    assert.ok(report.maxMs.decode < MAX_MS, `slowest decode ${report.maxMs.decode} ms`);
    assert.ok(report.maxMs.analyse < MAX_MS, `slowest analysis ${report.maxMs.analyse} ms`);
    // The run must exercise both sides: inputs that still decode and each kind of refusal.
    if (COUNT >= 1000) {
      assert.ok(report.decoded > COUNT * 0.1, `${report.decoded} decoded`);
      for (const code of ['CORRUPT_IMAGE', 'TOO_MANY_PIXELS', 'UNSUPPORTED_TYPE']) assert.ok((report.rejected[code] ?? 0) > 0, `${code} seen`);
      assert.ok(report.analysed >= Math.floor(ANALYSE_COUNT * 0.95), `${report.analysed} analysed`);
    }
  } finally {
    await analyser?.dispose();
  }
  assert.deepEqual(unhandled, []);
});
