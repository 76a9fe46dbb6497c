import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOnnxSession, type OnnxSession, type OnnxTensor } from '../../../src/backends/onnx.js';
import { readFloats, idsTensor, floatTensor, timestepTensor } from '../../../src/diffusion/pack/index.js';
import { loadClipTokenizer } from '../../../src/diffusion/tokenizer/index.js';
import { sd15SchedulerConfig, writeTinyImageToImagePack, writeTinyPack } from '../../../src/diffusion/tiny-pack/index.js';
import { bytesToUnicode } from '../../../src/diffusion/tiny-pack/tokenizer-files.js';
import { createTempDir } from './helpers.js';

const temp = createTempDir('tiny-pack');
after(() => temp.remove());

const packs = {
  legacy: writeTinyPack(join(temp.dir, 'legacy'), { variant: 'legacy' }).dir,
  optimum: writeTinyPack(join(temp.dir, 'optimum'), { variant: 'optimum' }).dir,
  fp16: writeTinyPack(join(temp.dir, 'fp16'), { variant: 'optimum', dtype: 'fp16' }).dir,
};

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

async function withSession<T>(path: string, use: (session: OnnxSession) => Promise<T>): Promise<T> {
  const session = await createOnnxSession(path, { intraOpThreads: 1 });
  try {
    return await use(session);
  } finally {
    await session.dispose();
  }
}

const signature = (session: OnnxSession) => ({
  inputs: session.inputs.map((v) => [v.name, v.dataType, v.shape.join(',')]),
  outputs: session.outputs.map((v) => [v.name, v.dataType, v.shape.join(',')]),
});

test('a pack has the diffusers ONNX layout; only optimum packs carry per-network configs', () => {
  for (const dir of Object.values(packs)) {
    for (const file of ['model_index.json', 'scheduler/scheduler_config.json', 'tokenizer/vocab.json', 'tokenizer/merges.txt', 'tokenizer/special_tokens_map.json', 'tokenizer/tokenizer_config.json']) {
      assert.ok(existsSync(join(dir, file)), `${dir}/${file}`);
    }
    for (const network of ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder']) assert.ok(existsSync(join(dir, network, 'model.onnx')));
  }
  const legacyIndex = readJson(join(packs.legacy, 'model_index.json'));
  assert.equal(legacyIndex._class_name, 'OnnxStableDiffusionPipeline');
  assert.deepEqual(legacyIndex.unet, ['diffusers', 'OnnxRuntimeModel']);
  assert.deepEqual(legacyIndex.vae_encoder, ['diffusers', 'OnnxRuntimeModel']);
  assert.ok(!existsSync(join(packs.legacy, 'vae_decoder', 'config.json')));
  const optimumIndex = readJson(join(packs.optimum, 'model_index.json'));
  assert.deepEqual(optimumIndex.vae, ['diffusers', 'AutoencoderKL']);
  const vae = readJson(join(packs.optimum, 'vae_decoder', 'config.json'));
  assert.equal(vae.scaling_factor, 0.18215);
  assert.equal(vae.block_out_channels.length, 4);
  assert.equal(readJson(join(packs.optimum, 'unet', 'config.json')).cross_attention_dim, 32);

  const scheduler = readJson(join(packs.optimum, 'scheduler', 'scheduler_config.json'));
  assert.deepEqual(scheduler, sd15SchedulerConfig());
  assert.equal(scheduler.beta_start, 0.00085);
  assert.equal(scheduler.beta_schedule, 'scaled_linear');
  assert.equal(scheduler.steps_offset, 1);
});

test('legacy networks have the convert-script signatures', async () => {
  const dir = packs.legacy;
  assert.deepEqual(await withSession(join(dir, 'text_encoder/model.onnx'), async (s) => signature(s)), {
    inputs: [['input_ids', 'int32', 'batch,sequence']],
    outputs: [
      ['last_hidden_state', 'float32', 'batch,sequence,32'],
      ['pooler_output', 'float32', 'batch,32'],
    ],
  });
  assert.deepEqual(await withSession(join(dir, 'unet/model.onnx'), async (s) => signature(s)), {
    inputs: [
      ['sample', 'float32', 'batch,4,height,width'],
      ['timestep', 'float32', 'batch'],
      ['encoder_hidden_states', 'float32', 'batch,sequence,32'],
    ],
    outputs: [['out_sample', 'float32', 'batch,4,height,width']],
  });
  assert.deepEqual(await withSession(join(dir, 'vae_encoder/model.onnx'), async (s) => signature(s)).then((s) => s.outputs), [
    ['latent_sample', 'float32', 'batch,4,latent_height,latent_width'],
  ]);
  assert.deepEqual(await withSession(join(dir, 'vae_decoder/model.onnx'), async (s) => signature(s)), {
    inputs: [['latent_sample', 'float32', 'batch,4,height,width']],
    outputs: [['sample', 'float32', 'batch,3,image_height,image_width']],
  });
});

test('optimum networks: int64 ids, scalar int64 timestep, latent_parameters; fp16 packs have half I/O', async () => {
  for (const [dir, float] of [
    [packs.optimum, 'float32'],
    [packs.fp16, 'float16'],
  ] as const) {
    const text = await withSession(join(dir, 'text_encoder/model.onnx'), async (s) => signature(s));
    assert.deepEqual(text.inputs, [['input_ids', 'int64', 'batch_size,sequence_length']]);
    assert.equal(text.outputs[0][1], float);
    const unet = await withSession(join(dir, 'unet/model.onnx'), async (s) => signature(s));
    assert.deepEqual(unet.inputs, [
      ['sample', float, 'batch_size,4,height,width'],
      ['timestep', 'int64', ''],
      ['encoder_hidden_states', float, 'batch_size,sequence_length,32'],
    ]);
    const encoder = await withSession(join(dir, 'vae_encoder/model.onnx'), async (s) => signature(s));
    assert.deepEqual(encoder.outputs, [['latent_parameters', float, 'batch_size,8,latent_height,latent_width']]);
  }
  // fp16 weights on disk: the fp16 UNet is about half the fp32 one.
  const size = (dir: string) => readFileSync(join(dir, 'unet/model.onnx')).byteLength;
  assert.ok(size(packs.fp16) < 0.6 * size(packs.optimum));
});

test('the tokenizer files are CLIP-format and tokenize prompt words whole', async () => {
  const vocab = readJson(join(packs.optimum, 'tokenizer/vocab.json')) as Record<string, number>;
  const bytes = bytesToUnicode();
  assert.equal(vocab[bytes[0x61]], 0x61 - 0x21); // 'a' is the 65th printable byte
  assert.equal(vocab[`${bytes[0]}</w>`], 256 + vocab[bytes[0]]);
  const ids = Object.values(vocab);
  assert.equal(vocab['<|endoftext|>'], Math.max(...ids));
  assert.equal(vocab['<|startoftext|>'], vocab['<|endoftext|>'] - 1);
  assert.equal(new Set(ids).size, ids.length);
  const merges = readFileSync(join(packs.optimum, 'tokenizer/merges.txt'), 'utf8').split('\n');
  assert.match(merges[0], /^#version: 0\.2/);

  const tokenizer = await loadClipTokenizer(packs.optimum);
  assert.equal(tokenizer.maxLength, 77);
  assert.deepEqual(tokenizer.tokenize('anime portrait'), [vocab['anime</w>'], vocab['portrait</w>']]);
  const encoded = tokenizer.encode('anime portrait');
  assert.equal(encoded.length, 77);
  assert.deepEqual(encoded.slice(0, 4), [vocab['<|startoftext|>'], vocab['anime</w>'], vocab['portrait</w>'], vocab['<|endoftext|>']]);
  // Words outside the corpus still tokenize (into smaller pieces), never fail.
  assert.ok(tokenizer.tokenize('zyxwvut').length > 1);
});

test('generation is deterministic by seed', () => {
  const again = writeTinyPack(join(temp.dir, 'again'), { variant: 'optimum' }).dir;
  const other = writeTinyPack(join(temp.dir, 'other'), { variant: 'optimum', seed: 2 }).dir;
  for (const file of ['unet/model.onnx', 'text_encoder/model.onnx', 'tokenizer/vocab.json', 'tokenizer/merges.txt']) {
    assert.deepEqual(readFileSync(join(again, file)), readFileSync(join(packs.optimum, file)), file);
  }
  assert.notDeepEqual(readFileSync(join(other, 'unet/model.onnx')), readFileSync(join(packs.optimum, 'unet/model.onnx')));
});

test('every network output depends on its inputs', async () => {
  const dir = packs.optimum;
  const vocab = readJson(join(dir, 'tokenizer/vocab.json')) as Record<string, number>;
  const prompt = (words: string[]) => {
    const ids = [vocab['<|startoftext|>'], ...words.map((w) => vocab[`${w}</w>`]), vocab['<|endoftext|>']];
    while (ids.length < 77) ids.push(vocab['<|endoftext|>']);
    return ids;
  };
  const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

  const text = await withSession(join(dir, 'text_encoder/model.onnx'), async (s) => {
    const run = async (ids: number[]) => readFloats((await s.run({ input_ids: idsTensor(ids, [1, 77], 'int64') })).last_hidden_state, 'text');
    const a = await run(prompt(['anime', 'girl']));
    const b = await run(prompt(['anime', 'boy']));
    // Causal attention: the first token (BOS) sees nothing after it, later tokens see the change.
    assert.ok(maxDiff(a.subarray(0, 32), b.subarray(0, 32)) < 1e-6);
    assert.ok(maxDiff(a, b) > 0.01);
    return { a, b };
  });

  await withSession(join(dir, 'unet/model.onnx'), async (s) => {
    const sample = new Float32Array(4 * 8 * 8).map((_, i) => Math.sin(i * 0.37));
    const run = async (t: number, states: Float32Array, x = sample) =>
      readFloats(
        (await s.run({ sample: floatTensor(x, [1, 4, 8, 8], 'float32'), timestep: timestepTensor(t, 'int64', 0, 1), encoder_hidden_states: floatTensor(states, [1, 77, 32], 'float32') })).out_sample,
        'unet',
      );
    const base = await run(500, text.a);
    assert.equal(base.length, sample.length);
    assert.ok(base.every((v) => Math.abs(v) <= 1.5));
    assert.ok(maxDiff(base, await run(100, text.a)) > 1e-3, 'timestep');
    assert.ok(maxDiff(base, await run(500, text.b)) > 1e-3, 'text');
    assert.ok(maxDiff(base, await run(500, text.a, sample.map((v) => -v))) > 1e-3, 'sample');
    // Odd latent sizes work: ups resize to their skip's size.
    const odd = await s.run({ sample: floatTensor(new Float32Array(4 * 7 * 9), [1, 4, 7, 9], 'float32'), timestep: timestepTensor(1, 'int64', 0, 1), encoder_hidden_states: floatTensor(text.a, [1, 77, 32], 'float32') });
    assert.deepEqual(odd.out_sample.dims, [1, 4, 7, 9]);
  });

  await withSession(join(dir, 'vae_decoder/model.onnx'), async (s) => {
    const latent = new Float32Array(4 * 3 * 5).map((_, i) => Math.cos(i));
    const out = (await s.run({ latent_sample: floatTensor(latent, [1, 4, 3, 5], 'float32') })).sample as OnnxTensor;
    assert.deepEqual(out.dims, [1, 3, 24, 40]);
  });
});

test('the VAE round trip keeps a smooth image (a soft, low-pass copy)', async () => {
  const dir = packs.optimum;
  const [w, h] = [32, 24];
  const image = new Float32Array(3 * w * h);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) image[c * w * h + y * w + x] = 0.6 * Math.sin((x + 2 * c) / 9) * Math.cos(y / 11);
  const params = await withSession(join(dir, 'vae_encoder/model.onnx'), async (s) => (await s.run({ sample: floatTensor(image, [1, 3, h, w], 'float32') })).latent_parameters);
  assert.deepEqual(params.dims, [1, 8, 3, 4]);
  const values = readFloats(params, 'vae');
  const logvar = values.subarray(4 * 12);
  assert.ok(logvar.every((v) => v < -4), 'a confident posterior: small log-variance');
  const decoded = await withSession(join(dir, 'vae_decoder/model.onnx'), async (s) => readFloats((await s.run({ latent_sample: floatTensor(values.slice(0, 4 * 12), [1, 4, 3, 4], 'float32') })).sample, 'vae'));
  let err = 0;
  for (let i = 0; i < image.length; i++) err += Math.abs(decoded[i] - image[i]);
  assert.ok(err / image.length < 0.12, `mean abs error ${err / image.length}`);
});

test('the image-to-image pack: manifest plus an AnimeGAN-shaped generator', async () => {
  const dir = join(temp.dir, 'animegan');
  const manifest = writeTinyImageToImagePack(dir);
  assert.deepEqual(readJson(join(dir, 'anime-me.json')), manifest);
  assert.equal(manifest.format, 'anime-me/image-to-image@1');
  await withSession(join(dir, manifest.model), async (s) => {
    assert.deepEqual(signature(s), { inputs: [['input', 'float32', '1,3,height,width']], outputs: [['output', 'float32', '1,3,height,width']] });
    const input = new Float32Array(3 * 16 * 12).map((_, i) => Math.sin(i / 7));
    const a = readFloats((await s.run({ input: floatTensor(input, [1, 3, 16, 12], 'float32') })).output, 'gen');
    const b = readFloats((await s.run({ input: floatTensor(input.map((v) => -v), [1, 3, 16, 12], 'float32') })).output, 'gen');
    assert.equal(a.length, input.length);
    assert.ok(a.every((v) => v >= -1 && v <= 1));
    assert.ok(a.some((v, i) => Math.abs(v - b[i]) > 0.1));
  });
});

test('the bench pack is a small real-sized UNet (64–320 channels) at 64×64 latents', async () => {
  const dir = join(temp.dir, 'bench');
  const info = writeTinyPack(dir, { size: 'bench' });
  assert.equal(info.hiddenSize, 768);
  assert.deepEqual(readJson(join(dir, 'unet/config.json')).block_out_channels, [64, 128, 320]);
  assert.ok(info.bytes.unet > 20e6, 'tens of MB of UNet weights');
  await withSession(join(dir, 'unet/model.onnx'), async (s) => {
    const out = await s.run({
      sample: floatTensor(new Float32Array(4 * 64 * 64), [1, 4, 64, 64], 'float32'),
      timestep: timestepTensor(500, 'int64', 0, 1),
      encoder_hidden_states: floatTensor(new Float32Array(77 * 768), [1, 77, 768], 'float32'),
    });
    assert.deepEqual(out.out_sample.dims, [1, 4, 64, 64]);
  });
});

test('bad generator options are rejected with the parameter named', () => {
  assert.throws(() => writeTinyPack(join(temp.dir, 'x'), { variant: 'diffusers' as never }), /Expected one of legacy, optimum for variant/);
  assert.throws(() => writeTinyPack(join(temp.dir, 'x'), { dtype: 'int8' as never }), /for dtype/);
  assert.throws(() => writeTinyPack(join(temp.dir, 'x'), { seed: -1 }), /for seed/);
  assert.throws(() => writeTinyPack('', {}), /for dir/);
});
