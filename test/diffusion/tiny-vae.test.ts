/**
 * The tiny autoencoder (TAESD): generated into a pack's taesd/ folder, chosen with `tinyVae`, its
 * scaling read from its own config, verified, and used by img2img for both encode and decode.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDiffusionStylizer } from '../../src/diffusion/diffusion-stylizer.js';
import { imageToTensor, runImg2Img, tensorToImage, type Img2ImgOptions } from '../../src/diffusion/img2img.js';
import { floatTensor, listPacks, openPack, readFloats, verifyPack, type StableDiffusionPack } from '../../src/diffusion/pack/index.js';
import { loadPromptTokenizer, type PromptTokenizer } from '../../src/diffusion/text-encoder.js';
import { writeTinyPack } from '../../src/diffusion/tiny-pack/index.js';
import { createTempDir, meanAbsDiff, smoothImage } from './tiny-pack/helpers.js';

const temp = createTempDir('tiny-vae');
const packDir = writeTinyPack(join(temp.dir, 'pack')).dir;
let full: StableDiffusionPack;
let tiny: StableDiffusionPack;
let tokenizer: PromptTokenizer;

before(async () => {
  full = await openPack(packDir, { threads: 1 });
  tiny = await openPack(packDir, { threads: 1, tinyVae: true });
  tokenizer = await loadPromptTokenizer(tiny.tokenizerDir);
});
after(async () => {
  await Promise.all([full.release(), tiny.release()]);
  temp.remove();
});

const image = smoothImage(64, 48);
const base: Img2ImgOptions = {
  image,
  prompt: 'anime portrait, cel shading',
  negativePrompt: 'blurry',
  strength: 0.6,
  steps: 6,
  guidanceScale: 7,
  seed: 99,
  scheduler: 'euler-ancestral',
};
const run = (options: Partial<Img2ImgOptions> = {}, on = tiny) => runImg2Img(on, tokenizer, { ...base, ...options });
const hasCode = (code: string, pattern: RegExp) => (e: unknown) => {
  const error = e as { code?: string; message?: string };
  assert.equal(error.code, code, error.message);
  assert.match(error.message ?? '', pattern);
  return true;
};
const editJson = (path: string, edit: (value: Record<string, unknown>) => void) => {
  const value = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(value);
  writeFileSync(path, JSON.stringify(value));
};
/** A copy of the generated pack to break. */
const copyPack = (name: string) => {
  const dir = join(temp.dir, name);
  cpSync(packDir, dir, { recursive: true });
  return dir;
};

test('the generated pack has taesd/ with an AutoencoderTiny config; tinyVae: true picks it, scaling from that config', () => {
  const config = JSON.parse(readFileSync(join(packDir, 'taesd', 'vae_decoder', 'config.json'), 'utf8'));
  assert.equal(config._class_name, 'AutoencoderTiny');
  assert.equal(full.autoencoder.kind, 'vae');
  assert.equal(full.autoencoder.scalingFactor, 0.18215);
  assert.equal(full.tinyVaeDir, join(packDir, 'taesd'));
  assert.equal(tiny.autoencoder.kind, 'tiny');
  assert.equal(tiny.autoencoder.dir, join(packDir, 'taesd'));
  assert.equal(tiny.autoencoder.scalingFactor, config.scaling_factor);
  assert.equal(tiny.autoencoder.spatialScale, 8);
  assert.equal(tiny.autoencoder.io.encoder.output, 'latent_sample');
  assert.notEqual(tiny.autoencoder.encoder, full.autoencoder.encoder, 'its own sessions');
  assert.equal(tiny.warnings.length, 0);
  // The pack's own VAE is closed once checked, so choosing the tiny one saves its memory.
  assert.deepEqual(Object.keys(tiny.sessions).sort(), ['text_encoder', 'unet']);
  assert.deepEqual(Object.keys(full.sessions).sort(), ['text_encoder', 'unet', 'vae_decoder', 'vae_encoder']);
});

test('TAESD latents come out already scaled: close to the pack VAE mean × its scaling factor', async () => {
  const pixels = floatTensor(imageToTensor(image), [1, 3, 48, 64], 'float32');
  const kl = readFloats((await full.sessions.vae_encoder!.run({ sample: pixels })).latent_parameters, 'vae').slice(0, 4 * 6 * 8);
  const taesd = readFloats((await tiny.autoencoder.encoder.run({ sample: pixels })).latent_sample, 'taesd');
  assert.equal(taesd.length, kl.length);
  let diff = 0;
  let magnitude = 0;
  for (let i = 0; i < kl.length; i++) {
    diff += Math.abs(taesd[i] - kl[i] * full.vae.scalingFactor);
    magnitude += Math.abs(kl[i] * full.vae.scalingFactor);
  }
  assert.ok(diff / magnitude < 0.25, `relative difference ${(diff / magnitude).toFixed(3)}`);
});

test('img2img through the tiny VAE: right shapes, deterministic by seed, and really not the pack VAE', async () => {
  const a = await run();
  const b = await run();
  assert.deepEqual([a.image.width, a.image.height, a.image.data.length], [64, 48, 64 * 48 * 3]);
  assert.equal(a.stepsRun, 3);
  assert.ok(a.timings.vaeEncoderMs > 0 && a.timings.vaeDecoderMs > 0);
  assert.deepEqual(a.image.data, b.image.data, 'same seed, same bytes');
  assert.ok(meanAbsDiff(a.image, (await run({ seed: 100 })).image) > 0.5, 'another seed, another image');
  const throughFull = await run({}, full);
  assert.ok(meanAbsDiff(a.image, throughFull.image) > 0.5, `differs from the pack VAE's (${meanAbsDiff(a.image, throughFull.image)})`);
  assert.ok(meanAbsDiff(a.image, throughFull.image) < 40, 'but the same picture, roughly');
});

test('strength 0 round-trips through the tiny VAE', async () => {
  const result = await run({ strength: 0 });
  assert.equal(result.stepsRun, 0);
  const encoded = await tiny.autoencoder.encoder.run({ sample: floatTensor(imageToTensor(image), [1, 3, 48, 64], 'float32') });
  const decoded = await tiny.autoencoder.decoder.run({ latent_sample: encoded.latent_sample });
  const manual = tensorToImage(readFloats(decoded.sample, 'taesd'), 64, 48);
  assert.ok(meanAbsDiff(result.image, manual) < 0.01, `matches the manual TAESD round trip (${meanAbsDiff(result.image, manual)})`);
  assert.ok(meanAbsDiff(result.image, image) < 10, `close to the input (${meanAbsDiff(result.image, image)} levels)`);
  const viaFull = await run({ strength: 0 }, full);
  assert.ok(meanAbsDiff(result.image, viaFull.image) > 0.1, 'not the pack VAE round trip');
});

test("the tiny VAE's scaling factor comes from its config: another value changes the latents the UNet sees", async () => {
  const dir = copyPack('rescaled');
  for (const part of ['vae_encoder', 'vae_decoder']) editJson(join(dir, 'taesd', part, 'config.json'), (c) => (c.scaling_factor = 0.5));
  const rescaled = await openPack(dir, { threads: 1, tinyVae: true });
  try {
    assert.equal(rescaled.autoencoder.scalingFactor, 0.5);
    const zero = await run({ strength: 0 }, rescaled);
    assert.deepEqual(zero.image.data, (await run({ strength: 0 })).image.data, 'a pure round trip does not depend on the scale');
    assert.ok(meanAbsDiff((await run({}, rescaled)).image, (await run()).image) > 0.5, 'denoising does');
  } finally {
    await rescaled.release();
  }
});

test('no scaling_factor: the AutoencoderTiny default with a warning; no config at all is an error naming the fix', async () => {
  const dir = copyPack('no-scale');
  for (const part of ['vae_encoder', 'vae_decoder']) editJson(join(dir, 'taesd', part, 'config.json'), (c) => delete c.scaling_factor);
  const pack = await openPack(dir, { threads: 1, tinyVae: true });
  try {
    assert.equal(pack.autoencoder.scalingFactor, 1);
    assert.equal(pack.warnings.length, 1);
    assert.match(pack.warnings[0].message, /AutoencoderTiny.*scaling_factor/);
  } finally {
    await pack.release();
  }
  for (const part of ['vae_encoder', 'vae_decoder']) rmSync(join(dir, 'taesd', part, 'config.json'));
  await assert.rejects(openPack(dir, { tinyVae: true }), hasCode('MODEL_INVALID', /scaling_factor.*1\.0 for TAESD/));
  const problems = await verifyPack(dir);
  assert.ok(problems.some((p) => p.severity === 'error' && p.component === 'tiny_vae' && /scaling_factor/.test(p.message)));
});

test('a separate TAESD folder in the community layout (encoder/, decoder/, config.json at the top) loads by path', async () => {
  const dir = join(temp.dir, 'community-taesd');
  cpSync(join(packDir, 'taesd'), dir, { recursive: true });
  renameSync(join(dir, 'vae_encoder'), join(dir, 'encoder'));
  renameSync(join(dir, 'vae_decoder'), join(dir, 'decoder'));
  renameSync(join(dir, 'decoder', 'config.json'), join(dir, 'config.json'));
  rmSync(join(dir, 'encoder', 'config.json'));
  const pack = await openPack(packDir, { threads: 1, tinyVae: dir });
  try {
    assert.equal(pack.autoencoder.dir, dir);
    assert.equal(pack.autoencoder.scalingFactor, 1);
    assert.deepEqual((await run({}, pack)).image.data, (await run()).image.data, 'the same networks give the same image');
  } finally {
    await pack.release();
  }
  assert.deepEqual(await verifyPack(dir), [], 'a standalone autoencoder folder verifies');
  const listed = listPacks(temp.dir).find((p) => p.dir === dir);
  assert.equal(listed?.kind, 'autoencoder');
  assert.equal(listPacks(temp.dir).find((p) => p.dir === packDir)?.tinyVae, join(packDir, 'taesd'));
});

test('models verify checks taesd/: a missing decoder and a latent-channel mismatch are named precisely', async () => {
  assert.deepEqual(await verifyPack(packDir), []);
  const dir = copyPack('broken-taesd');
  rmSync(join(dir, 'taesd', 'vae_decoder'), { recursive: true });
  const problems = (await verifyPack(dir)).filter((p) => p.severity === 'error');
  assert.equal(problems.length, 1);
  assert.equal(problems[0].code, 'MODEL_MISSING');
  assert.match(problems[0].message, /decoder was not found \(tried .*taesd[\\/]vae_decoder[\\/]model\.onnx/);
  await assert.rejects(openPack(dir, { tinyVae: true }), hasCode('MODEL_MISSING', /taesd[\\/]vae_decoder[\\/]model\.onnx/));

  const mismatch = copyPack('mismatch-taesd');
  editJson(join(mismatch, 'taesd', 'vae_decoder', 'config.json'), (c) => (c.latent_channels = 16));
  await assert.rejects(openPack(mismatch, { tinyVae: true }), hasCode('MODEL_INVALID', /16 latent channels but the UNet takes 4/));
});

test('tinyVae on a pack without taesd/ fails with the path tried; bad option values name the parameter', async () => {
  const dir = writeTinyPack(join(temp.dir, 'no-taesd'), { tinyVae: false }).dir;
  assert.equal(listPacks(dir)[0].tinyVae, undefined);
  await assert.rejects(openPack(dir, { tinyVae: true }), hasCode('MODEL_MISSING', /autoencoder folder not found: .*no-taesd[\\/]taesd/));
  await assert.rejects(openPack(dir, { tinyVae: 3 as never }), hasCode('INVALID_ARGUMENT', /tinyVae/));
  assert.throws(() => createDiffusionStylizer({ modelDir: dir, tinyVae: '' }), hasCode('INVALID_ARGUMENT', /tinyVae/));
});

test('the diffusion stylizer with tinyVae runs and differs from the pack VAE', async () => {
  const request = { image: smoothImage(80, 60), seed: 5, style: 'soft-cel' as const, prompt: { positive: 'anime', negative: '' } };
  const withTiny = createDiffusionStylizer({ modelDir: packDir, steps: 4, threads: 1, tinyVae: true });
  const withFull = createDiffusionStylizer({ modelDir: packDir, steps: 4, threads: 1 });
  try {
    const a = await withTiny.stylize(request as never);
    assert.deepEqual([a.width, a.height], [80, 60]);
    assert.deepEqual(a.data, (await withTiny.stylize(request as never)).data);
    assert.ok(meanAbsDiff(a, await withFull.stylize(request as never)) > 0.5);
  } finally {
    await Promise.all([withTiny.dispose(), withFull.dispose()]);
  }
});
