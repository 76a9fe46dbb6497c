/**
 * The CLI as a user runs it: a real process, real photos and real malformed files in one batch.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { crc32, readInfotext } from '../../src/core/png-text.js';
import { writeTinyPack } from '../../src/diffusion/tiny-pack/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const photos = path.join(root, 'test/fixtures/photos');
let dir = '';

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], { cwd: root, env: { ...process.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** A PNG whose header claims 60000×60000 (correct CRC, no real pixel data). */
function hugePngHeader(): Uint8Array {
  const ihdr = new Uint8Array(25);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, 13);
  ihdr.set([73, 72, 68, 82], 4);
  view.setUint32(8, 60000);
  view.setUint32(12, 60000);
  ihdr.set([8, 2, 0, 0, 0], 16);
  view.setUint32(21, crc32(ihdr, 4, 21));
  return new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, ...ihdr, 0, 0, 0, 0, 73, 69, 78, 68, 0xae, 0x42, 0x60, 0x82]);
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'anime-me-cli-'));
  const batch = path.join(dir, 'batch');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(batch);
  await copyFile(path.join(photos, 'deb_skimage_coffee.png'), path.join(batch, 'a-good.png'));
  const jpeg = await readFile(path.join(photos, 'deb_mpl_grace_hopper.jpg'));
  await writeFile(path.join(batch, 'b-truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  await writeFile(path.join(batch, 'c-text.jpg'), 'this is not a photo\n');
  await writeFile(path.join(batch, 'd-empty.png'), new Uint8Array(0));
  await writeFile(path.join(batch, 'e-huge.png'), hugePngHeader());
  await writeFile(path.join(batch, 'f-script.jpg'), '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
});
after(() => rm(dir, { recursive: true, force: true }));

test('--help explains usage and exits 0; no arguments exits 2', async () => {
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage:/);
  assert.match(help.stdout, /Examples:/);
  const none = await runCli([]);
  assert.equal(none.code, 2);
});

test('a batch with malformed files: each bad file gets its own stable code, the good one is still made', async () => {
  const out = path.join(dir, 'out');
  const { code, stdout, stderr } = await runCli([path.join(dir, 'batch'), '-o', out, '--size', '256', '--composite', '--json', '--seed', '3']);
  assert.equal(code, 1, 'exit 1 because some photos failed');
  const report = JSON.parse(stdout) as { photos: Array<{ input: string; ok: boolean; error?: { code: string; message: string }; outputs?: { image: string; composite?: string }; timings?: Record<string, number>; prompt?: { positive: string } }> };
  const byName = Object.fromEntries(report.photos.map((p) => [path.basename(p.input), p]));
  assert.equal(report.photos.length, 6);
  assert.equal(byName['a-good.png'].ok, true);
  assert.equal(byName['b-truncated.jpg'].error?.code, 'CORRUPT_IMAGE');
  assert.equal(byName['c-text.jpg'].error?.code, 'UNSUPPORTED_TYPE');
  assert.equal(byName['d-empty.png'].error?.code, 'EMPTY_INPUT');
  assert.equal(byName['e-huge.png'].error?.code, 'TOO_MANY_PIXELS');
  assert.equal(byName['f-script.jpg'].error?.code, 'UNSUPPORTED_TYPE');
  for (const p of report.photos.filter((r) => !r.ok)) {
    assert.ok(!p.error!.message.includes('\n') && !/at .*\.ts:\d+/.test(p.error!.message), 'one-line message, no stack');
    assert.match(stderr, new RegExp(`${path.basename(p.input)} failed: ${p.error!.code}`));
  }
  const good = byName['a-good.png'];
  assert.equal(good.outputs?.image, path.join(out, 'a-good.anime.png'));
  assert.equal(good.outputs?.composite, path.join(out, 'a-good.composite.jpg'));
  const png = new Uint8Array(await readFile(good.outputs!.image));
  const meta = await sharp(png).metadata();
  assert.equal(Math.max(meta.width!, meta.height!), 256);
  assert.equal(readInfotext(png)?.seed, 3);
  assert.equal(readInfotext(png)?.prompt, good.prompt?.positive);
  for (const stage of ['decode', 'analyse', 'describe', 'stylize', 'upscale', 'compose', 'encode']) {
    assert.equal(typeof good.timings?.[stage], 'number', `timing of ${stage}`);
  }
  assert.ok(!existsSync(path.join(out, 'b-truncated.anime.png')));
});

test('analyse --json reports peopleCount, people and the prompt', async () => {
  const { code, stdout } = await runCli(['analyse', path.join(photos, 'deb_skimage_astronaut.png'), '--json']);
  assert.equal(code, 0);
  const doc = JSON.parse(stdout) as { peopleCount: number; people: Array<{ face?: unknown }>; prompt: { positive: string; negative: string } };
  assert.equal(doc.peopleCount, 1);
  assert.equal(doc.people.length, 1);
  assert.ok(doc.people[0].face);
  assert.ok(doc.prompt.positive.includes('solo'));
});

test('the diffusion engine runs end to end on a generated tiny pack; models verify accepts it and names what a broken one lacks', async () => {
  const pack = path.join(dir, 'tiny-pack');
  await writeTinyPack(pack);
  const verify = await runCli(['models', 'verify', pack]);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /ok/);
  const out = path.join(dir, 'diffusion-out');
  const run = await runCli([path.join(photos, 'deb_skimage_coffee.png'), '--engine', 'diffusion', '--model', pack, '--steps', '2', '--size', '128', '-o', out, '--json', '--no-analyse']);
  assert.equal(run.code, 0, run.stderr);
  const png = new Uint8Array(await readFile(path.join(out, 'deb_skimage_coffee.anime.png')));
  const params = readInfotext(png)!;
  assert.equal(params.steps, 2);
  assert.equal(params.denoisingStrength, 0.5);
  await rm(path.join(pack, 'unet', 'model.onnx'));
  const broken = await runCli(['models', 'verify', pack]);
  assert.equal(broken.code, 1);
  assert.match(broken.stdout, /unet[\\/]model\.onnx/);
  const missing = await runCli([path.join(photos, 'deb_skimage_coffee.png'), '--engine', 'diffusion']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /needs --model/);
});

test('models list names each pack with its kind, and says when it carries a tiny VAE', async () => {
  const models = path.join(dir, 'models-list');
  writeTinyPack(path.join(models, 'with-taesd'));
  writeTinyPack(path.join(models, 'plain'), { tinyVae: false });
  const listed = await runCli(['models', 'list', models]);
  assert.equal(listed.code, 0, listed.stderr);
  const rows = listed.stdout.trim().split('\n').map((line) => line.split('\t'));
  assert.deepEqual(rows.map((r) => r[0]), ['plain', 'with-taesd']);
  assert.match(rows[0]![1]!, /^stable-diffusion/);
  assert.doesNotMatch(rows[0]![1]!, /tiny VAE/);
  assert.match(rows[1]![1]!, /^stable-diffusion.* \+ tiny VAE$/);
  assert.equal(rows[1]![2], path.join(models, 'with-taesd'));
  const empty = await runCli(['models', 'list', path.join(dir, 'no-such-folder')]);
  assert.equal(empty.code, 0);
  assert.match(empty.stdout, /no model packs in/);
});
