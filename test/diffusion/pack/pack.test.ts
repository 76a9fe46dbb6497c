import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createGraphBuilder } from '../../../src/onnx/index.js';
import { listPacks, openPack, openPackCount, verifyPack, type PackProblem } from '../../../src/diffusion/pack/index.js';
import { writeTinyImageToImagePack, writeTinyPack } from '../../../src/diffusion/tiny-pack/index.js';
import { createTempDir } from '../tiny-pack/helpers.js';

const temp = createTempDir('pack');
after(() => temp.remove());

const pack = (name: string, options: Parameters<typeof writeTinyPack>[1] = {}) => writeTinyPack(join(temp.dir, name), options).dir;
const legacy = pack('legacy', { variant: 'legacy' });
const optimum = pack('optimum');
const fp16 = pack('fp16', { dtype: 'fp16' });

const errors = (problems: PackProblem[]) => problems.filter((p) => p.severity === 'error');
const hasCode = (code: string, pattern: RegExp) => (e: unknown) => {
  const error = e as { code?: string; message?: string };
  assert.equal(error.code, code, error.message);
  assert.match(error.message ?? '', pattern);
  return true;
};

test('opening a pack resolves every exporter difference from session metadata', async () => {
  const l = await openPack(legacy);
  const o = await openPack(optimum);
  const h = await openPack(fp16);
  try {
    assert.equal(l.io.textEncoder.idsType, 'int32');
    assert.equal(o.io.textEncoder.idsType, 'int64');
    assert.deepEqual([l.io.unet.timestepType, l.io.unet.timestepRank], ['float32', 1]);
    assert.deepEqual([o.io.unet.timestepType, o.io.unet.timestepRank], ['int64', 0]);
    assert.equal(l.io.vaeEncoder.output, 'latent_sample');
    assert.equal(o.io.vaeEncoder.output, 'latent_parameters');
    assert.equal(o.io.unet.sampleType, 'float32');
    assert.equal(h.io.unet.sampleType, 'float16');
    assert.equal(h.io.vaeDecoder.outputType, 'float16');
    assert.equal(o.io.unet.hiddenSize, 32);
    assert.equal(o.io.unet.batch, undefined, 'dynamic batch');
    assert.equal(o.io.unet.latentChannels, 4);
    // Scaling factor: from vae config (optimum), the documented default with a warning (legacy).
    assert.deepEqual(o.vae, { scalingFactor: 0.18215, spatialScale: 8 });
    assert.equal(o.warnings.length, 0);
    assert.equal(l.vae.scalingFactor, 0.18215);
    assert.equal(l.warnings.length, 1);
    assert.match(l.warnings[0].message, /scaling_factor/);
    assert.equal(o.schedulerConfig.beta_schedule, 'scaled_linear');
    assert.deepEqual(o.executionProviders, ['cpu']);
  } finally {
    await Promise.all([l.release(), o.release(), h.release()]);
  }
});

test('one shared set of sessions per pack, freed with the last handle', async () => {
  const before = openPackCount();
  const link = join(temp.dir, 'link-to-optimum');
  symlinkSync(optimum, link);
  const a = await openPack(optimum);
  const b = await openPack(relative(process.cwd(), optimum));
  const c = await openPack(link);
  assert.equal(openPackCount(), before + 1);
  assert.equal(a.sessions.unet, b.sessions.unet);
  assert.equal(a.sessions.unet, c.sessions.unet);
  const other = await openPack(optimum, { threads: 1 });
  assert.notEqual(other.sessions.unet, a.sessions.unet, 'other session options get their own set');
  await other.release();
  await a.release();
  await a.release(); // idempotent: does not drop b's or c's reference
  await b.release();
  const { out_sample: ok } = await c.sessions.unet.run({
    sample: { type: 'float32', data: new Float32Array(4 * 2 * 2), dims: [1, 4, 2, 2] },
    timestep: { type: 'int64', data: new BigInt64Array(1), dims: [] },
    encoder_hidden_states: { type: 'float32', data: new Float32Array(77 * 32), dims: [1, 77, 32] },
  });
  assert.deepEqual(ok.dims, [1, 4, 2, 2]);
  await c.release();
  assert.equal(openPackCount(), before);
  await assert.rejects(c.sessions.unet.run({}), /disposed/);
});

test('good packs verify clean; a legacy pack only warns about the scaling factor', async () => {
  assert.deepEqual(await verifyPack(optimum), []);
  assert.deepEqual(await verifyPack(fp16), []);
  const problems = await verifyPack(legacy);
  assert.deepEqual(
    problems.map((p) => [p.severity, p.component]),
    [['warning', 'vae_decoder']],
  );
});

test('a missing network is named with the path tried and how to fix it', async () => {
  const dir = pack('no-unet');
  rmSync(join(dir, 'unet', 'model.onnx'));
  const problems = errors(await verifyPack(dir));
  assert.equal(problems.length, 1);
  assert.equal(problems[0].code, 'MODEL_MISSING');
  assert.equal(problems[0].path, join(dir, 'unet', 'model.onnx'));
  assert.match(problems[0].message, /unet\/model\.onnx not found \(tried .*no-unet\/unet\/model\.onnx\)/);
  assert.match(problems[0].fix ?? '', /optimum-cli export onnx/);
  await assert.rejects(openPack(dir), hasCode('MODEL_MISSING', /unet\/model\.onnx not found \(tried .*no-unet\/unet\/model\.onnx\).*optimum-cli/));
});

test('a network with a wrong input name is rejected naming the input it lacks and the ones it has', async () => {
  const dir = pack('wrong-input');
  const g = createGraphBuilder();
  const x = g.input('latents', 'float32', ['batch', 4, 'height', 'width']);
  g.input('timestep', 'int64', []);
  g.input('encoder_hidden_states', 'float32', ['batch', 'sequence', 32]);
  g.output(g.node('Identity', [x], {}, { outputs: ['out_sample'] }), 'float32', ['batch', 4, 'height', 'width']);
  writeFileSync(join(dir, 'unet', 'model.onnx'), g.encode());
  const problems = errors(await verifyPack(dir));
  assert.equal(problems.length, 1);
  assert.equal(problems[0].code, 'MODEL_INVALID');
  assert.match(problems[0].message, /^unet\/model\.onnx has no input named "sample" \(its inputs: latents, timestep, encoder_hidden_states\)/);
  await assert.rejects(openPack(dir), hasCode('MODEL_INVALID', /no input named "sample"/));
});

test('wrong dtypes, ranks and mismatched networks are reported, all at once', async () => {
  const dir = pack('mismatch');
  // A text encoder from a pack with another width, and a VAE decoder taking int64.
  writeTinyPack(join(temp.dir, 'bench-text'), { size: 'bench' });
  writeFileSync(join(dir, 'text_encoder', 'model.onnx'), readFileSync(join(temp.dir, 'bench-text', 'text_encoder', 'model.onnx')));
  const g = createGraphBuilder();
  const x = g.input('latent_sample', 'int64', ['batch', 4, 'h', 'w']);
  g.output(g.node('Cast', [x], { to: 1 }, { outputs: ['sample'] }), 'float32', ['batch', 3, 'H', 'W']);
  writeFileSync(join(dir, 'vae_decoder', 'model.onnx'), g.encode());
  const problems = errors(await verifyPack(dir));
  const messages = problems.map((p) => p.message).join('\n');
  assert.match(messages, /unet expects text embeddings of width 32 but text_encoder gives 768/);
  assert.match(messages, /vae_decoder\/model\.onnx input latent_sample: int64\[batch, 4, h, w\] has type int64; expected float32 or float16/);
  await assert.rejects(openPack(dir), hasCode('MODEL_INVALID', /has 2 problems: \(1\) .*\(2\) /));
});

test('scheduler config: missing, unreadable, incomplete or unsupported', async () => {
  const missing = pack('no-scheduler');
  rmSync(join(missing, 'scheduler'), { recursive: true });
  const [problem] = errors(await verifyPack(missing));
  assert.equal(problem.code, 'MODEL_MISSING');
  assert.equal(problem.path, join(missing, 'scheduler', 'scheduler_config.json'));
  await assert.rejects(openPack(missing), hasCode('MODEL_MISSING', /scheduler file not found: .*no-scheduler\/scheduler\/scheduler_config\.json/));

  const broken = pack('broken-scheduler');
  writeFileSync(join(broken, 'scheduler', 'scheduler_config.json'), '{"beta_start": 0.00085,');
  await assert.rejects(openPack(broken), hasCode('MODEL_INVALID', /scheduler_config\.json is not valid JSON/));

  const incomplete = pack('incomplete-scheduler');
  writeFileSync(join(incomplete, 'scheduler', 'scheduler_config.json'), JSON.stringify({ _class_name: 'PNDMScheduler', num_train_timesteps: 1000 }));
  await assert.rejects(openPack(incomplete), hasCode('MODEL_INVALID', /lacks beta_start, beta_end, beta_schedule/));

  const unsupported = pack('unsupported-scheduler');
  const config = JSON.parse(readFileSync(join(unsupported, 'scheduler', 'scheduler_config.json'), 'utf8'));
  writeFileSync(join(unsupported, 'scheduler', 'scheduler_config.json'), JSON.stringify({ ...config, beta_schedule: 'cosine' }));
  const [bad] = errors(await verifyPack(unsupported));
  assert.equal(bad.code, 'MODEL_INVALID');
  assert.match(bad.message, /beta_schedule "cosine"/);
});

test('not a pack: missing folder, empty folder, garbage model, bad VAE config', async () => {
  const nowhere = join(temp.dir, 'does-not-exist');
  assert.deepEqual(
    (await verifyPack(nowhere)).map((p) => [p.code, p.path]),
    [['MODEL_MISSING', nowhere]],
  );
  await assert.rejects(openPack(nowhere), hasCode('MODEL_MISSING', /model folder not found/));
  const empty = join(temp.dir, 'empty');
  mkdirSync(empty);
  await assert.rejects(openPack(empty), hasCode('MODEL_MISSING', /model_index file not found: .*empty\/model_index\.json; point --model at a diffusers ONNX folder/));

  const garbage = pack('garbage');
  writeFileSync(join(garbage, 'vae_decoder', 'model.onnx'), new Uint8Array([8, 1, 2, 3, 4, 5, 6, 7]));
  await assert.rejects(openPack(garbage), hasCode('MODEL_INVALID', /vae_decoder\/model\.onnx could not be loaded/));

  const badVae = pack('bad-vae');
  writeFileSync(join(badVae, 'vae_decoder', 'config.json'), JSON.stringify({ scaling_factor: 'big' }));
  await assert.rejects(openPack(badVae), hasCode('MODEL_INVALID', /scaling_factor "big"; expected a positive number/));
  assert.equal(openPackCount(), 0, 'failed loads leave nothing cached');
  await assert.rejects(openPack(''), hasCode('INVALID_ARGUMENT', /for dir/));
  await assert.rejects(openPack(optimum, { device: 'tpu' as never }), hasCode('INVALID_ARGUMENT', /for device/));
});

test('image-to-image packs verify, and their manifest errors are precise', async () => {
  const dir = join(temp.dir, 'animegan');
  writeTinyImageToImagePack(dir);
  assert.deepEqual(await verifyPack(dir), []);
  const manifestPath = join(dir, 'anime-me.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, input: 'image' }));
  const [wrongName] = await verifyPack(dir);
  assert.match(wrongName.message, /has no input named "image" \(its inputs: input\)/);
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, layout: 'hwc', range: [1, -1] }));
  const [wrongFields] = await verifyPack(dir);
  assert.match(wrongFields.message, /layout must be "nchw" or "nhwc".*range must be/);
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, layout: 'nhwc' }));
  const [wrongLayout] = await verifyPack(dir);
  assert.match(wrongLayout.message, /needs rank 4 with 3 channels on axis 3/);
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, model: 'generator.onnx' }));
  const [noModel] = await verifyPack(dir);
  assert.equal(noModel.code, 'MODEL_MISSING');
  assert.equal(noModel.path, join(dir, 'generator.onnx'));
});

test('listPacks finds both kinds in a models folder without loading anything', () => {
  const models = join(temp.dir, 'models');
  writeTinyPack(join(models, 'sd-legacy'), { variant: 'legacy' });
  writeTinyPack(join(models, 'sd-optimum'));
  writeTinyImageToImagePack(join(models, 'animegan'));
  mkdirSync(join(models, 'notes'));
  assert.deepEqual(
    listPacks(models).map((p) => [p.name, p.kind, p.exporter ?? '-', p.dir]),
    [
      ['tiny-animegan', 'image-to-image', '-', join(models, 'animegan')],
      ['sd-legacy', 'stable-diffusion', 'legacy', join(models, 'sd-legacy')],
      ['sd-optimum', 'stable-diffusion', 'optimum', join(models, 'sd-optimum')],
    ],
  );
  assert.deepEqual(listPacks(join(models, 'sd-optimum')).map((p) => p.name), ['sd-optimum'], 'a pack folder lists itself');
  assert.deepEqual(listPacks(join(temp.dir, 'nowhere')), []);
});
