import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { emptyAnalysis, type ProgressEvent } from '../../src/core/types.js';
import { createDiffusionStylizer, createImageToImageStylizer } from '../../src/diffusion/diffusion-stylizer.js';
import { imageToTensor, runImg2Img, tensorToImage, type Img2ImgOptions } from '../../src/diffusion/img2img.js';
import { floatTensor, openPack, openPackCount, readFloats, type StableDiffusionPack } from '../../src/diffusion/pack/index.js';
import { loadPromptTokenizer, type PromptTokenizer } from '../../src/diffusion/text-encoder.js';
import { writeTinyImageToImagePack, writeTinyPack } from '../../src/diffusion/tiny-pack/index.js';
import { createTempDir, meanAbsDiff, smoothImage } from './tiny-pack/helpers.js';

const temp = createTempDir('img2img');
const dirs = {
  optimum: writeTinyPack(join(temp.dir, 'optimum')).dir,
  legacy: writeTinyPack(join(temp.dir, 'legacy'), { variant: 'legacy' }).dir,
  fp16: writeTinyPack(join(temp.dir, 'fp16'), { dtype: 'fp16' }).dir,
  vPrediction: writeTinyPack(join(temp.dir, 'v'), { prediction: 'v_prediction' }).dir,
  static: writeTinyPack(join(temp.dir, 'static'), { staticShape: { batch: 1, height: 48, width: 64 } }).dir,
};
let pack: StableDiffusionPack;
let tokenizer: PromptTokenizer;

before(async () => {
  pack = await openPack(dirs.optimum, { threads: 1 });
  tokenizer = await loadPromptTokenizer(pack.tokenizerDir);
});
after(async () => {
  await pack.release();
  temp.remove();
});

const image = smoothImage(64, 48);
const base: Img2ImgOptions = {
  image,
  prompt: 'anime portrait of a girl smiling, cel shading',
  negativePrompt: 'blurry, lowres',
  strength: 0.6,
  steps: 10,
  guidanceScale: 7,
  seed: 1234,
  scheduler: 'euler-ancestral',
};
const run = (options: Partial<Img2ImgOptions> = {}, on = pack) => runImg2Img(on, tokenizer, { ...base, ...options });
const hasCode = (code: string, pattern?: RegExp) => (e: unknown) => {
  const error = e as { code?: string; message?: string };
  assert.equal(error.code, code, error.message);
  if (pattern) assert.match(error.message ?? '', pattern);
  return true;
};

test('sizes: sides floor to the multiple, steps follow the modern strength rule', async () => {
  const odd = await run({ image: smoothImage(70, 61) });
  assert.deepEqual([odd.image.width, odd.image.height], [64, 56]);
  assert.equal(odd.image.data.length, 64 * 56 * 3);
  assert.equal(odd.startIndex, 4); // 10 − ⌊10·0.6⌋
  assert.equal(odd.stepsRun, 6);
  const coarse = await run({ sizeMultiple: 32 });
  assert.deepEqual([coarse.image.width, coarse.image.height], [64, 32]);
  const full = await run({ strength: 1, steps: 4 });
  assert.deepEqual([full.startIndex, full.stepsRun], [0, 4]);
  const quarter = await run({ strength: 0.75, steps: 20 });
  assert.deepEqual([quarter.startIndex, quarter.stepsRun], [5, 15]);
  assert.equal(quarter.timings.unetMs.length, 15);
  assert.equal(quarter.timings.stepMs.length, 15);
  assert.ok(quarter.timings.onnxMs > 0 && quarter.timings.onnxMs <= quarter.timings.totalMs);
});

test('the same seed gives the same image; another seed another image', async () => {
  const a = await run();
  const b = await run();
  assert.deepEqual(a.image.data, b.image.data);
  // Also through a second, independent handle onto the shared sessions.
  const other = await openPack(dirs.optimum, { threads: 1 });
  try {
    assert.deepEqual((await run({}, other)).image.data, a.image.data);
  } finally {
    await other.release();
  }
  const c = await run({ seed: 1235 });
  assert.ok(meanAbsDiff(a.image, c.image) > 1, `seed changes the image (${meanAbsDiff(a.image, c.image)})`);
});

test('strength 0 is the init image through the VAE (no denoising)', async () => {
  const result = await run({ strength: 0 });
  assert.equal(result.stepsRun, 0);
  assert.equal(result.timings.unetMs.length, 0);
  assert.equal(result.timings.textEncoderMs, 0, 'no prompt is encoded');
  // The same round trip done by hand: encoder mean × s, ÷ s, decoder.
  const encoded = await pack.sessions.vae_encoder!.run({ sample: floatTensor(imageToTensor(image), [1, 3, 48, 64], 'float32') });
  const mean = readFloats(encoded.latent_parameters, 'vae').slice(0, 4 * 6 * 8);
  const decoded = await pack.sessions.vae_decoder!.run({ latent_sample: floatTensor(mean, [1, 4, 6, 8], 'float32') });
  const manual = tensorToImage(readFloats(decoded.sample, 'vae'), 64, 48);
  assert.ok(meanAbsDiff(result.image, manual) < 0.01, `matches the manual round trip (${meanAbsDiff(result.image, manual)})`);
  assert.ok(meanAbsDiff(result.image, image) < 8, `close to the input (${meanAbsDiff(result.image, image)} levels)`);
  // And any denoising moves away from it.
  assert.ok(meanAbsDiff((await run({ strength: 0.3 })).image, result.image) > 1);
});

test('guidance, prompt, negative prompt and emphasis all change the output', async () => {
  const guided = await run();
  const unguided = await run({ guidanceScale: 1 });
  assert.ok(meanAbsDiff(guided.image, unguided.image) > 1, 'CFG scale');
  assert.ok(meanAbsDiff(guided.image, (await run({ guidanceScale: 3 })).image) > 0.5, 'CFG 3 vs 7');
  assert.ok(meanAbsDiff(guided.image, (await run({ negativePrompt: 'watermark, text' })).image) > 0.5, 'negative prompt');
  assert.ok(meanAbsDiff(guided.image, (await run({ prompt: 'a dog running on the grass' })).image) > 0.5, 'prompt');
  const emphasis = await run({ prompt: 'anime portrait of a (girl:1.6) smiling, cel shading' });
  assert.ok(meanAbsDiff(guided.image, emphasis.image) > 0.1, 'emphasis weights');
  // Without CFG the negative prompt is not used at all.
  assert.deepEqual((await run({ guidanceScale: 1, negativePrompt: 'something else' })).image.data, unguided.image.data);
});

test('long prompts are encoded in 77-token windows, not cut', async () => {
  const long = Array.from({ length: 40 }, (_, i) => (i % 2 ? 'anime girl' : 'bright eyes')).join(', ');
  const result = await run({ prompt: long });
  assert.equal(result.promptTruncated, false);
  const short = await run({ prompt: long.split(', ').slice(0, 10).join(', ') });
  assert.ok(meanAbsDiff(result.image, short.image) > 0.1);
});

test('legacy and optimum exports of the same weights give the same image', async () => {
  const legacy = await openPack(dirs.legacy, { threads: 1 });
  try {
    for (const scheduler of ['ddim', 'dpmpp-2m']) {
      const a = await run({ scheduler });
      const b = await run({ scheduler }, legacy);
      assert.ok(meanAbsDiff(a.image, b.image) < 0.01, `${scheduler}: ${meanAbsDiff(a.image, b.image)}`);
    }
  } finally {
    await legacy.release();
  }
});

test('a static-shape export (batch 1, fixed size): CFG runs the UNet twice, the image is fitted to its size', async () => {
  const fixed = await openPack(dirs.static, { threads: 1 });
  try {
    assert.deepEqual([fixed.io.unet.batch, fixed.io.unet.height, fixed.io.unet.width], [1, 6, 8]);
    assert.equal(fixed.io.textEncoder.batch, 1);
    const a = await run({}, fixed);
    const b = await run();
    assert.ok(meanAbsDiff(a.image, b.image) < 0.01, `same weights, same image (${meanAbsDiff(a.image, b.image)})`);
    const other = await run({ image: smoothImage(100, 90) }, fixed);
    assert.deepEqual([other.image.width, other.image.height], [64, 48]);
  } finally {
    await fixed.release();
  }
});

test('an fp16 pack converts at the boundary and matches fp32 closely', async () => {
  const half = await openPack(dirs.fp16, { threads: 1 });
  try {
    assert.equal(half.io.unet.sampleType, 'float16');
    const a = await run();
    const b = await run({}, half);
    const diff = meanAbsDiff(a.image, b.image);
    assert.ok(diff > 0 && diff < 1.5, `fp16 vs fp32: ${diff} levels`);
  } finally {
    await half.release();
  }
});

test('every scheduler runs; v-prediction packs run and differ from epsilon', async () => {
  const images = [];
  for (const scheduler of ['ddim', 'euler', 'euler-ancestral', 'dpmpp-2m', 'DPM++ 2M Karras', 'lcm']) {
    const result = await run({ scheduler, steps: 4, strength: 0.8 });
    assert.equal(result.image.data.length, 64 * 48 * 3, scheduler);
    images.push(result.image);
  }
  assert.ok(meanAbsDiff(images[0], images[3]) > 0.5, 'DDIM and DPM++ differ');
  const v = await openPack(dirs.vPrediction, { threads: 1 });
  try {
    assert.equal(v.schedulerConfig.prediction_type, 'v_prediction');
    assert.ok(meanAbsDiff((await run({ scheduler: 'ddim' }, v)).image, (await run({ scheduler: 'ddim' })).image) > 1);
  } finally {
    await v.release();
  }
});

test('progress per step; cancellation between steps gives CANCELLED', async () => {
  const seen: number[] = [];
  const done = await run({ onProgress: (p) => seen.push(p.step) });
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
  assert.equal(done.stepsRun, 6);

  const controller = new AbortController();
  const steps: number[] = [];
  await assert.rejects(
    run({
      signal: controller.signal,
      onProgress: (p) => {
        steps.push(p.step);
        if (p.step === 2) controller.abort();
      },
    }),
    hasCode('CANCELLED', /cancelled/),
  );
  assert.deepEqual(steps, [1, 2], 'no step runs after the abort');
  await assert.rejects(run({ signal: AbortSignal.abort() }), hasCode('CANCELLED'));
  // An abort from a timer lands between steps: the loop yields to the event loop.
  const timed = new AbortController();
  setImmediate(() => timed.abort());
  await assert.rejects(run({ signal: timed.signal, steps: 50, strength: 1 }), hasCode('CANCELLED'));
});

test('the event loop runs between steps', async () => {
  let ticks = 0;
  let running = true;
  const tick = (): void => {
    ticks++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const result = await run({ steps: 8, strength: 1 });
  running = false;
  assert.ok(ticks >= result.stepsRun, `${ticks} event-loop turns during ${result.stepsRun} steps`);
});

test('bad arguments name the parameter', async () => {
  await assert.rejects(run({ strength: 1.5 }), hasCode('INVALID_ARGUMENT', /Expected number between 0 and 1 for strength but received 1\.5/));
  await assert.rejects(run({ steps: 0 }), hasCode('INVALID_ARGUMENT', /for steps/));
  await assert.rejects(run({ seed: -1 }), hasCode('INVALID_ARGUMENT', /for seed/));
  await assert.rejects(run({ scheduler: 'PLMS' }), hasCode('INVALID_ARGUMENT', /Unsupported sampler "PLMS"/));
  await assert.rejects(run({ image: { width: 2, height: 2, data: new Uint8Array(3) } }), hasCode('INVALID_ARGUMENT', /for image/));
  await assert.rejects(run({ strength: 0.01, steps: 10 }), hasCode('INVALID_ARGUMENT', /leaves no step to run/));
});

test('the diffusion stylizer: prompt and seed from the request, result at the request size', async () => {
  const before = openPackCount();
  const stylizer = createDiffusionStylizer({ modelDir: dirs.optimum, steps: 6, strength: 0.5, threads: 2, scheduler: 'Euler a' });
  const request = {
    image: smoothImage(100, 75),
    analysis: emptyAnalysis(100, 75),
    style: 'bright-cel',
    prompt: { positive: 'anime girl, (smiling:1.2)', negative: 'blurry' },
    seed: 7,
  };
  const events: ProgressEvent[] = [];
  const a = await stylizer.stylize(request, { onProgress: (e) => events.push(e) });
  assert.deepEqual([a.width, a.height], [100, 75]);
  assert.deepEqual([stylizer.lastResult?.image.width, stylizer.lastResult?.image.height], [64, 64], 'generated at 64-pixel multiples');
  assert.equal(stylizer.lastResult?.stepsRun, 3);
  assert.ok(events.every((e) => e.stage === 'stylize'));
  assert.deepEqual([events[0].progress, events.at(-1)?.progress], [0, 1]);
  assert.equal(events.filter((e) => /^step /.test(e.message ?? '')).length, 3);
  assert.deepEqual((await stylizer.stylize(request)).data, a.data, 'deterministic by seed');
  assert.ok(meanAbsDiff(a, await stylizer.stylize({ ...request, seed: 8 })) > 0.5);
  const stronger = await stylizer.stylize({ ...request, params: { strength: 1 } });
  assert.equal(stylizer.lastResult?.stepsRun, 6, 'per-preset params override the defaults');
  assert.ok(meanAbsDiff(a, stronger) > 0.5);
  await assert.rejects(stylizer.stylize({ ...request, params: { strength: 2 } }), hasCode('INVALID_ARGUMENT', /for params\.strength/));
  await assert.rejects(stylizer.stylize(request, { signal: AbortSignal.abort() }), hasCode('CANCELLED'));
  assert.equal(openPackCount(), before + 1);
  await stylizer.dispose();
  assert.equal(openPackCount(), before);
  await assert.rejects(stylizer.stylize(request), /disposed/);

  const missing = createDiffusionStylizer({ modelDir: join(temp.dir, 'nowhere') });
  await assert.rejects(missing.ready(), hasCode('MODEL_MISSING', /model folder not found/));
  assert.throws(() => createDiffusionStylizer({ modelDir: dirs.optimum, strength: 3 }), /for strength/);
  assert.throws(() => createDiffusionStylizer({ modelDir: dirs.optimum, scheduler: 'nope' }), /Unsupported sampler/);
});

test('a feed-forward (AnimeGAN-style) pack as a stylizer', async () => {
  const dir = join(temp.dir, 'animegan');
  writeTinyImageToImagePack(dir);
  const stylizer = createImageToImageStylizer({ modelDir: dir, threads: 1, maxSide: 64 });
  const request = { image: smoothImage(101, 75), analysis: emptyAnalysis(101, 75), style: 'any', seed: 1 };
  const out = await stylizer.stylize(request);
  assert.deepEqual([out.width, out.height], [101, 75]);
  assert.deepEqual((await stylizer.stylize({ ...request, seed: 2 })).data, out.data, 'no randomness');
  assert.ok(meanAbsDiff(out, request.image) > 2, 'the generator changes the image');
  await stylizer.dispose();
  await assert.rejects(createImageToImageStylizer({ modelDir: temp.dir }).ready(), hasCode('MODEL_MISSING', /anime-me\.json/));
});
