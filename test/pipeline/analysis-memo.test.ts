/**
 * The analysis memo: a photo sent again ("again, new seed") reuses its analysis instead of running
 * the models a second time, without changing any result, and keeps nothing for long.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { Analyser, SceneAnalysis, Stylizer } from '../../src/core/types.js';
import { createSharpCodec } from '../../src/node/sharp-codec.js';
import { analysisKey, createAnalysisMemo } from '../../src/pipeline/analysis-memo.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';

const photo = async (name: string) => new Uint8Array(await readFile(new URL(`../fixtures/photos/${name}`, import.meta.url)));

// One person in the middle of the frame; counts how often the "models" run.
function countingAnalyser(): Analyser & { calls: number } {
  const analyser = {
    name: 'counting',
    calls: 0,
    async analyse(image: { width: number; height: number }): Promise<SceneAnalysis> {
      analyser.calls++;
      const box = { x: image.width * 0.3, y: image.height * 0.2, width: image.width * 0.4, height: image.height * 0.7 };
      return {
        width: image.width,
        height: image.height,
        peopleCount: 1,
        people: [{ box, gender: { value: 'female', confidence: 0.95 } }],
        pets: [],
        objects: [],
        sceneType: { value: 'single-female', confidence: 0.9 },
      } as unknown as SceneAnalysis;
    },
    async dispose() {},
  };
  return analyser;
}

// Output depends on the seed, so "again, new seed" gives a different picture.
const seededStylizer: Stylizer = {
  name: 'seeded',
  styles: ['bright-cel', 'soft-watercolor', 'manga-ink', 'dreamy-sky'],
  async stylize(request) {
    const data = request.image.data.map((v, i) => (v + ((request.seed * 31 + i) % 7)) & 255);
    return { width: request.image.width, height: request.image.height, data };
  },
  async dispose() {},
};

test('the same photo again: the models run once, a new seed still gives a new picture, the same seed the same bytes', async () => {
  const analyser = countingAnalyser();
  const pipeline = createPipeline({ codec: createSharpCodec(), stylizer: seededStylizer, analyser });
  const bytes = await photo('deb_mpl_grace_hopper.jpg');
  const first = await pipeline.run(bytes, { size: 256, seed: 1 });
  const again = await pipeline.run(bytes, { size: 256, seed: 2 });
  assert.equal(analyser.calls, 1);
  assert.equal(first.analysisReused, false);
  assert.equal(again.analysisReused, true);
  assert.deepEqual(again.analysis, first.analysis);
  assert.notDeepEqual(again.output, first.output, 'a new seed gives a new picture');
  const same = await pipeline.run(bytes, { size: 256, seed: 1 });
  assert.deepEqual(same.output, first.output, 'reusing the analysis changes nothing in the result');

  // Another size is another analysis; another photo too.
  await pipeline.run(bytes, { size: 320, seed: 1 });
  assert.equal(analyser.calls, 2);
  await pipeline.run(await photo('deb_skimage_astronaut.png'), { size: 256, seed: 1 });
  assert.equal(analyser.calls, 3);
});

test('corrections apply on top of a reused analysis and never change what is remembered', async () => {
  const analyser = countingAnalyser();
  const pipeline = createPipeline({ codec: createSharpCodec(), stylizer: seededStylizer, analyser });
  const bytes = await photo('deb_mpl_grace_hopper.jpg');
  await pipeline.run(bytes, { size: 256 });
  const corrected = await pipeline.run(bytes, { size: 256, overrides: { people: 2, genders: ['m', 'f'] } });
  assert.equal(corrected.analysisReused, true);
  assert.equal(corrected.analysis.people.length, 2);
  assert.equal(corrected.analysis.people[0]!.gender?.value, 'male');
  const plain = await pipeline.run(bytes, { size: 256 });
  assert.equal(plain.analysis.people.length, 1);
  assert.equal(plain.analysis.people[0]!.gender?.value, 'female');
  assert.equal(analyser.calls, 1);
});

test('analysisMemo: false runs the models every time', async () => {
  const analyser = countingAnalyser();
  const pipeline = createPipeline({ codec: createSharpCodec(), stylizer: seededStylizer, analyser, analysisMemo: false });
  const bytes = await photo('deb_mpl_grace_hopper.jpg');
  await pipeline.run(bytes, { size: 256 });
  const again = await pipeline.run(bytes, { size: 256, seed: 5 });
  assert.equal(analyser.calls, 2);
  assert.equal(again.analysisReused, false);
});

test('the memo keeps a few recent analyses and forgets them after their time', () => {
  let clock = 0;
  const memo = createAnalysisMemo({ entries: 2, maxAgeMs: 1000, now: () => clock });
  const a = { peopleCount: 1 } as SceneAnalysis;
  const b = { peopleCount: 2 } as SceneAnalysis;
  const c = { peopleCount: 3 } as SceneAnalysis;
  memo.set('a', a);
  memo.set('b', b);
  assert.equal(memo.get('a'), a, 'a is now the most recently used');
  memo.set('c', c);
  assert.equal(memo.get('b'), undefined, 'the least recently used went');
  assert.equal(memo.get('a'), a);
  assert.equal(memo.size, 2);
  clock = 1001;
  assert.equal(memo.get('a'), undefined, 'expired');
  assert.equal(memo.size, 0);
  const off = createAnalysisMemo({ entries: 0 });
  off.set('a', a);
  assert.equal(off.get('a'), undefined);
});

test('the key names the bytes and the sizes, nothing else', async () => {
  const one = new Uint8Array([1, 2, 3]);
  assert.equal(await analysisKey(one, [10, 20]), await analysisKey(Uint8Array.from(one), [10, 20]));
  assert.notEqual(await analysisKey(one, [10, 20]), await analysisKey(new Uint8Array([1, 2, 4]), [10, 20]));
  assert.notEqual(await analysisKey(one, [10, 20]), await analysisKey(one, [20, 10]));
  assert.match(await analysisKey(one, [1]), /^[0-9a-f]{64}:1$/);
});
