/**
 * The ONNX engines from the photo CLI: they run on a worker thread (the pack is opened there, never
 * on the calling thread), stay byte-deterministic by seed, report a bad pack once with its precise
 * message, explain a missing CUDA provider, fall back from `auto` with a note, and stop on Ctrl-C.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createThreadPipeline, engineSpecFrom } from '../../src/cli/engine.js';
import type { ProgressEvent } from '../../src/core/types.js';
import { cudaAvailable } from '../../src/diffusion/device.js';
import { openPackCount } from '../../src/diffusion/pack/index.js';
import { writeTinyImageToImagePack, writeTinyPack } from '../../src/diffusion/tiny-pack/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const photo = path.join(root, 'test/fixtures/photos/deb_skimage_coffee.png');
const CUDA_SKIP = cudaAvailable() ? 'this onnxruntime-node has a CUDA provider installed' : false;
let dir = '';
let pack = '';

const cleanEnv = (extra: Record<string, string> = {}): Record<string, string> => ({ PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? os.tmpdir(), ...extra });

function runCli(args: string[], env = cleanEnv(), onStderr?: (text: string, child: ReturnType<typeof spawn>) => void) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], { cwd: root, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const common = ['--engine', 'diffusion', '--steps', '4', '--size', '128', '--no-analyse'];

before(async () => {
  dir = await (await import('node:fs/promises')).mkdtemp(path.join(os.tmpdir(), 'anime-me-engine-cli-'));
  pack = writeTinyPack(path.join(dir, 'pack')).dir;
});
after(() => rm(dir, { recursive: true, force: true }));

test('--engine diffusion on the worker thread is byte-deterministic by seed; --tiny-vae changes the image', { timeout: 200_000 }, async () => {
  const outputs: Record<string, Uint8Array> = {};
  for (const [name, extra] of [
    ['a', ['--seed', '5']],
    ['b', ['--seed', '5']],
    ['c', ['--seed', '6']],
    ['tiny', ['--seed', '5', '--tiny-vae']],
  ] as const) {
    const out = path.join(dir, `out-${name}`);
    const run = await runCli([photo, ...common, '--model', pack, '-o', out, ...extra]);
    assert.equal(run.code, 0, run.stderr);
    outputs[name] = new Uint8Array(await readFile(path.join(out, 'deb_skimage_coffee.anime.png')));
  }
  assert.deepEqual(outputs['b'], outputs['a'], 'same seed, same bytes');
  assert.notDeepEqual(outputs['c'], outputs['a'], 'another seed, another image');
  const pixels = async (png: Uint8Array) => new Uint8Array(await sharp(png).raw().toBuffer());
  assert.notDeepEqual(await pixels(outputs['tiny']), await pixels(outputs['a']), 'the tiny VAE was used');
});

test('the engine comes from ANIME_ME_* when no flag is given; flags win over them', { timeout: 120_000 }, async () => {
  const out = path.join(dir, 'out-env');
  const env = cleanEnv({ ANIME_ME_ENGINE: 'diffusion', ANIME_ME_MODEL: pack, ANIME_ME_STEPS: '3' });
  const run = await runCli([photo, '--size', '128', '--no-analyse', '--seed', '5', '-o', out, '--json', '--steps', '4'], env);
  assert.equal(run.code, 0, run.stderr);
  const viaEnv = new Uint8Array(await readFile(path.join(out, 'deb_skimage_coffee.anime.png')));
  const reference = await runCli([photo, ...common, '--model', pack, '--seed', '5', '-o', path.join(dir, 'out-env-flags')]);
  assert.equal(reference.code, 0, reference.stderr);
  const viaFlags = new Uint8Array(await readFile(path.join(dir, 'out-env-flags', 'deb_skimage_coffee.anime.png')));
  assert.deepEqual(viaEnv, viaFlags, 'ANIME_ME_ENGINE/ANIME_ME_MODEL with --steps 4 is the same run as the flags');
  const bad = await runCli([photo, '--no-analyse'], cleanEnv({ ANIME_ME_ENGINE: 'diffusion', ANIME_ME_MODEL: pack, ANIME_ME_STRENGTH: 'lots' }));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Expected number for ANIME_ME_STRENGTH but received "lots"/);
});

test('--engine image-to-image runs on the thread too; diffusion-only flags are refused for it', { timeout: 120_000 }, async () => {
  const animegan = path.join(dir, 'animegan');
  writeTinyImageToImagePack(animegan);
  const out = path.join(dir, 'out-i2i');
  const run = await runCli([photo, '--engine', 'image-to-image', '--model', animegan, '--size', '128', '--no-analyse', '-o', out]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(existsSync(path.join(out, 'deb_skimage_coffee.anime.png')));
  const refused = await runCli([photo, '--engine', 'image-to-image', '--model', animegan, '--tiny-vae']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--tiny-vae applies to --engine diffusion only/);
});

test('a bad pack: exit 2 with the loader\'s precise message, said once for the whole batch', { timeout: 120_000 }, async () => {
  const broken = writeTinyPack(path.join(dir, 'broken')).dir;
  await rm(path.join(broken, 'vae_decoder', 'model.onnx'));
  const batch = path.join(dir, 'batch');
  await mkdir(batch, { recursive: true });
  await copyFile(photo, path.join(batch, 'one.png'));
  await copyFile(photo, path.join(batch, 'two.png'));
  const run = await runCli([batch, ...common, '--model', broken, '-o', path.join(dir, 'out-broken')]);
  assert.equal(run.code, 2, run.stderr);
  const mentions = run.stderr.match(/vae_decoder[\\/]model\.onnx not found \(tried [^)]*broken[\\/]vae_decoder[\\/]model\.onnx\)/g) ?? [];
  assert.equal(mentions.length, 1, run.stderr);
  assert.doesNotMatch(run.stderr, /two\.png/);
});

test('--device cuda without a CUDA provider says how to enable it; --device auto falls back to the CPU with a note', { skip: CUDA_SKIP, timeout: 120_000 }, async () => {
  const cuda = await runCli([photo, ...common, '--model', pack, '--device', 'cuda', '-o', path.join(dir, 'out-cuda')]);
  assert.equal(cuda.code, 2);
  assert.match(cuda.stderr, /--device "cuda" is not available: this onnxruntime-node has no CUDA provider library \(providers: cpu.*cuda \(not installed\)/);
  assert.match(cuda.stderr, /ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node/);
  assert.ok(!existsSync(path.join(dir, 'out-cuda', 'deb_skimage_coffee.anime.png')));
  const auto = await runCli([photo, ...common, '--model', pack, '--device', 'auto', '--seed', '5', '-o', path.join(dir, 'out-auto')]);
  assert.equal(auto.code, 0, auto.stderr);
  assert.match(auto.stderr, /note: --device auto: no CUDA provider installed in onnxruntime-node, running on the CPU/);
  assert.deepEqual(
    new Uint8Array(await readFile(path.join(dir, 'out-auto', 'deb_skimage_coffee.anime.png'))),
    new Uint8Array(await readFile(path.join(dir, 'out-env-flags', 'deb_skimage_coffee.anime.png'))),
    'auto on this machine is the CPU run',
  );
});

test('Ctrl-C cancels a long diffusion run: exit 130, no output written', { skip: CUDA_SKIP, timeout: 120_000 }, async () => {
  const out = path.join(dir, 'out-cancel');
  let sent = false;
  let fallback: NodeJS.Timeout | undefined;
  // A long job (1000 steps at full strength); one SIGINT once the CLI has its handler (it prints the
  // auto note right after installing it). A second one (quit at once, no "cancelled" line) only if
  // the first went unanswered for long.
  const run = await runCli([photo, '--engine', 'diffusion', '--model', pack, '--steps', '1000', '--strength', '1', '--no-analyse', '--device', 'auto', '-o', out], cleanEnv(), (text, child) => {
    if (sent || !/note:/.test(text)) return;
    sent = true;
    child.kill('SIGINT');
    fallback = setTimeout(() => child.kill('SIGINT'), 30_000);
  });
  clearTimeout(fallback);
  assert.equal(run.code, 130, run.stderr);
  assert.match(run.stderr, /cancelling/);
  assert.match(run.stderr, /cancelled/);
  assert.ok(!existsSync(path.join(out, 'deb_skimage_coffee.anime.png')));
});

test('the thread pipeline: the pack opens on the worker thread, progress crosses over, a job cancels mid-diffusion and the next one still runs', { timeout: 120_000 }, async () => {
  const engine = engineSpecFrom({ engine: 'diffusion', model: pack, steps: '400', strength: '1' });
  const thread = await createThreadPipeline({ engine, upscaler: false }, { stopGraceMs: 5000 });
  // Bytes are moved (transferred) to the thread, so each run gets its own copy.
  const original = new Uint8Array(await readFile(photo));
  const bytes = () => original.slice();
  try {
    const controller = new AbortController();
    const events: ProgressEvent[] = [];
    const job = thread.run(bytes(), { size: 128, analyse: false, seed: 1 }, {
      signal: controller.signal,
      onProgress: (event) => {
        events.push(event);
        if (event.stage === 'stylize' && event.progress > 0.1) controller.abort();
      },
    });
    await assert.rejects(job, (e: unknown) => (e as { code?: string }).code === 'CANCELLED');
    assert.ok(events.some((e) => e.stage === 'stylize' && e.progress > 0.1), 'step progress arrived from the thread');
    assert.equal(openPackCount(), 0, 'no pack was opened on this thread');
    const next = await thread.run(bytes(), { size: 128, analyse: false, seed: 1 }, {});
    assert.equal(next.parameters.steps, 400);
    assert.equal(thread.startupError, undefined);
  } finally {
    await thread.dispose();
  }
});
