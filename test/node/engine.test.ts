/**
 * The engine as plain data: `createAnimeMe({ engine })` builds the stylizer wherever the pipeline
 * is built (a pool thread included); the spec is validated at the edge; a bad pack fails start-up
 * (createAnimeMeReady, the engine pipeline module) with its precise message.
 */
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { engineSpecFrom } from '../../src/cli/engine.js';
import { writeTinyPack } from '../../src/diffusion/tiny-pack/index.js';
import { createAnimeMe, createAnimeMeReady } from '../../src/node/create-anime-me.js';
import { checkEngine, checkEngineSpec, enginePipelineModule } from '../../src/node/engine.js';
import { createWorkerPool } from '../../src/queue/worker-pool.js';
import { createEmbeddedStylizer } from '../../src/stylize/index.js';
import { createTempDir } from '../diffusion/tiny-pack/helpers.js';

const temp = createTempDir('engine-spec');
after(() => temp.remove());
const pack = writeTinyPack(path.join(temp.dir, 'pack')).dir;
const photo = fileURLToPath(new URL('../fixtures/photos/deb_skimage_coffee.png', import.meta.url));
const hasCode = (code: string, pattern: RegExp) => (e: unknown) => {
  const error = e as { code?: string; message?: string };
  assert.equal(error.code, code, error.message);
  assert.match(error.message ?? '', pattern);
  return true;
};

test('engine specs are checked at the edge, each field named', () => {
  assert.deepEqual(checkEngineSpec({ kind: 'embedded' }), { kind: 'embedded' });
  assert.deepEqual(checkEngineSpec({ kind: 'diffusion', modelDir: pack, steps: 4, tinyVae: true }), { kind: 'diffusion', modelDir: pack, steps: 4, tinyVae: true });
  assert.throws(() => checkEngineSpec({ kind: 'dall-e' }), hasCode('INVALID_ARGUMENT', /Expected one of embedded, diffusion, image-to-image for engine\.kind but received "dall-e"/));
  assert.throws(() => checkEngineSpec({ kind: 'diffusion' }), hasCode('INVALID_ARGUMENT', /for engine\.modelDir but received undefined/));
  assert.throws(() => checkEngineSpec({ kind: 'diffusion', modelDir: pack, steps: 2.5 }), hasCode('INVALID_ARGUMENT', /Expected integer between 1 and 1000 for engine\.steps but received 2\.5/));
  assert.throws(() => checkEngineSpec({ kind: 'diffusion', modelDir: pack, strength: 2 }), hasCode('INVALID_ARGUMENT', /engine\.strength/));
  assert.throws(() => checkEngineSpec({ kind: 'diffusion', modelDir: pack, sampler: 'warp-drive' }), hasCode('INVALID_ARGUMENT', /warp-drive/));
  assert.throws(() => checkEngineSpec({ kind: 'diffusion', modelDir: pack, device: 'tpu' }), hasCode('INVALID_ARGUMENT', /one of cpu, cuda, auto for engine\.device/));
  assert.throws(() => checkEngineSpec({ kind: 'image-to-image', modelDir: pack, steps: 4 }), hasCode('INVALID_ARGUMENT', /engine\.steps/));
  assert.throws(() => checkEngineSpec({ kind: 'diffusion', modelDir: pack, stpes: 4 }), hasCode('INVALID_ARGUMENT', /"stpes"/));
  assert.throws(() => createAnimeMe({ engine: { kind: 'diffusion', modelDir: pack }, stylizer: createEmbeddedStylizer(), analyser: false }), hasCode('INVALID_ARGUMENT', /either stylizer or engine/));
  // The spec is JSON-safe: it crosses into a thread as is.
  const spec = checkEngineSpec({ kind: 'diffusion', modelDir: pack, steps: 3, strength: 0.4, guidance: 5, sampler: 'DPM++ 2M Karras', device: 'cpu', threads: 1, tinyVae: 'taesd' });
  assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
});

test('CLI flags and environment variables map onto the spec: flag ?? variable ?? default', () => {
  assert.deepEqual(engineSpecFrom({}), { kind: 'embedded' });
  assert.deepEqual(engineSpecFrom({ engine: 'diffusion', model: pack, steps: '4', 'tiny-vae': true }, { ANIME_ME_STEPS: '9', ANIME_ME_GUIDANCE: '3' }), {
    kind: 'diffusion',
    modelDir: pack,
    steps: 4,
    guidance: 3,
    tinyVae: true,
  });
  assert.deepEqual(engineSpecFrom({}, { ANIME_ME_ENGINE: 'diffusion', ANIME_ME_MODEL: pack, ANIME_ME_TINY_VAE: '/opt/taesd', ANIME_ME_DEVICE: 'auto' }), {
    kind: 'diffusion',
    modelDir: pack,
    device: 'auto',
    tinyVae: '/opt/taesd',
  });
  assert.equal(engineSpecFrom({}, { ANIME_ME_ENGINE: 'diffusion', ANIME_ME_MODEL: pack, ANIME_ME_TINY_VAE: '0' }).tinyVae, undefined);
  assert.equal(engineSpecFrom({ vae: '/opt/taesd' }, { ANIME_ME_ENGINE: 'diffusion', ANIME_ME_MODEL: pack }).tinyVae, '/opt/taesd');
  assert.throws(() => engineSpecFrom({ engine: 'diffusion' }), hasCode('INVALID_ARGUMENT', /needs --model <dir> \(or ANIME_ME_MODEL\)/));
  assert.throws(() => engineSpecFrom({ engine: 'diffusion', model: pack, steps: '0' }), hasCode('INVALID_ARGUMENT', /for --steps but received 0/));
  assert.throws(() => engineSpecFrom({}, { ANIME_ME_ENGINE: 'diffusion', ANIME_ME_MODEL: pack, ANIME_ME_STEPS: '-1' }), hasCode('INVALID_ARGUMENT', /for ANIME_ME_STEPS but received -1/));
  assert.throws(() => engineSpecFrom({ engine: 'image-to-image', model: pack, steps: '3' }), hasCode('INVALID_ARGUMENT', /--steps applies to --engine diffusion only/));
});

test('createAnimeMe({ engine }) builds the diffusion stylizer; createAnimeMeReady and checkEngine fail early on a bad pack', async () => {
  const pipeline = createAnimeMe({ engine: { kind: 'diffusion', modelDir: pack, steps: 2 }, analyser: false, upscaler: false });
  try {
    const result = await pipeline.run(new Uint8Array(await readFile(photo)), { size: 128, upscale: 1, seed: 1 });
    assert.equal(result.parameters.steps, 2);
    assert.equal(result.parameters.denoisingStrength, 0.5);
  } finally {
    await pipeline.dispose();
  }
  const broken = writeTinyPack(path.join(temp.dir, 'broken')).dir;
  await rm(path.join(broken, 'text_encoder', 'model.onnx'));
  const lazy = createAnimeMe({ engine: { kind: 'diffusion', modelDir: broken }, analyser: false });
  await lazy.dispose(); // creating it loads nothing
  await assert.rejects(createAnimeMeReady({ engine: { kind: 'diffusion', modelDir: broken }, analyser: false }), hasCode('MODEL_MISSING', /text_encoder[\\/]model\.onnx not found/));
  await assert.rejects(checkEngine({ kind: 'diffusion', modelDir: broken }), hasCode('MODEL_MISSING', /text_encoder[\\/]model\.onnx not found/));
  assert.equal((await checkEngine({ kind: 'diffusion', modelDir: pack, tinyVae: true }))?.device, 'cpu');
});

test('pool threads build the engine from pipelineOptions: the default thread pipeline, and the engine module failing start-up precisely', { timeout: 120_000 }, async () => {
  const original = new Uint8Array(await readFile(photo));
  // The service's default thread pipeline (createAnimeMe(pipelineOptions)).
  const pool = createWorkerPool({ size: 1, pipelineOptions: { engine: { kind: 'diffusion', modelDir: pack, steps: 3, strength: 0.6 }, analyser: false, upscaler: false } });
  try {
    const result = await pool.run(original.slice(), { size: 128, upscale: 1, seed: 2 });
    assert.equal(result.parameters.steps, 3);
    assert.equal(result.parameters.denoisingStrength, 0.6);
  } finally {
    await pool.close();
  }
  const broken = writeTinyPack(path.join(temp.dir, 'broken-thread')).dir;
  await rm(path.join(broken, 'scheduler'), { recursive: true });
  const errors: Error[] = [];
  const failing = createWorkerPool({
    size: 1,
    pipelineModule: enginePipelineModule(),
    pipelineOptions: { engine: { kind: 'diffusion', modelDir: broken }, analyser: false },
    onError: (error) => errors.push(error),
  });
  try {
    await assert.rejects(failing.run(original.slice(), { size: 128 }), hasCode('MODEL_MISSING', /could not start: Model pack .*broken-thread: scheduler file not found: .*scheduler[\\/]scheduler_config\.json/));
    assert.equal((errors[0] as { details?: Record<string, unknown> }).details?.['retry'], false, 'final: no per-job retries');
  } finally {
    await failing.close();
  }
});
