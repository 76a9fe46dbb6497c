/**
 * The ONNX engines in the service: `anime-me serve --engine diffusion` and `anime-me worker --engine
 * diffusion` as real processes on a generated tiny pack, a job end to end through the HTTP API; a
 * bad pack stops start-up with its precise message; environment variables stand in for the flags.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readInfotext } from '../../src/core/png-text.js';
import { writeTinyPack } from '../../src/diffusion/tiny-pack/index.js';
import { startService, type Service } from '../../src/server/service.js';
import { waitFor } from '../queue/helpers.js';
import { REDIS_SKIP_REASON, startRedis, type RedisHandle } from '../queue/redis-server.js';
import { smallPhoto, submit } from '../server/helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let dir = '';
let pack = '';

/** Only what Node needs: the machine's own ANIME_ME_* or REDIS_URL must not change these tests. */
const baseEnv = (): Record<string, string> => ({
  PATH: process.env['PATH'] ?? '',
  HOME: process.env['HOME'] ?? tmpdir(),
  LOG_LEVEL: 'warn',
  ANIME_ME_URL_SECRET: 'engine-service-test-secret-0123456789',
});

interface Child {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<number | null>;
}

function startCli(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stderr: () => err, exited };
}

async function stop(c: Child): Promise<number | null> {
  if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGTERM');
  const timer = setTimeout(() => c.child.kill('SIGKILL'), 20_000);
  try {
    return await c.exited;
  } finally {
    clearTimeout(timer);
  }
}

const serving = (c: Child) =>
  waitFor(() => {
    if (c.child.exitCode !== null) throw new Error(`serve exited ${c.child.exitCode}: ${c.stderr()}`);
    return /serving (http:\/\/\S+?)\/ /.exec(c.stderr())?.[1];
  }, 'the server listening', 60_000);

/** Submit a photo, wait for done, fetch the PNG; returns its generation parameters. */
async function runJob(base: string, seed: string) {
  const submitted = await submit(base, await smallPhoto(120, 90), { size: '128', seed });
  assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
  const id = submitted.body['id'] as string;
  const job = await waitFor(async () => {
    const body = (await (await fetch(`${base}/api/v1/jobs/${id}`)).json()) as Record<string, any>;
    assert.notEqual(body['state'], 'failed', JSON.stringify(body['error']));
    return body['state'] === 'done' ? body : undefined;
  }, `job ${id} done`, 90_000);
  const result = await fetch(`${base}${job['result'].url}`);
  assert.equal(result.status, 200);
  const png = new Uint8Array(await result.arrayBuffer());
  return { png, params: readInfotext(png)! };
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'anime-me-engine-service-'));
  pack = writeTinyPack(path.join(dir, 'pack')).dir;
});
after(() => rm(dir, { recursive: true, force: true }));

test('serve --engine diffusion: a job runs end to end through the HTTP API on the pack, deterministic by seed', { timeout: 180_000 }, async () => {
  const server = startCli(['serve', '--port', '0', '--data-dir', path.join(dir, 'data-flags'), '--engine', 'diffusion', '--model', pack, '--steps', '4', '--strength', '0.75', '--tiny-vae'], baseEnv());
  try {
    const base = await serving(server);
    assert.match(server.stderr(), /engine diffusion \(.*tiny VAE, cpu\)/);
    assert.match(server.stderr(), /1 pipeline thread/, 'ONNX engines default to one pipeline thread');
    const a = await runJob(base, '7');
    assert.equal(a.params.steps, 4, 'the diffusion engine wrote its own steps');
    assert.equal(a.params.denoisingStrength, 0.75);
    assert.match(a.params.sampler ?? '', /euler/i);
    const b = await runJob(base, '7');
    assert.deepEqual(b.png, a.png, 'same photo and seed, same bytes');
  } finally {
    assert.equal(await stop(server), 0, server.stderr());
  }
});

test('serve takes the engine from ANIME_ME_* variables when no flag is given', { timeout: 180_000 }, async () => {
  const env = { ...baseEnv(), ANIME_ME_ENGINE: 'diffusion', ANIME_ME_MODEL: pack, ANIME_ME_STEPS: '2', ANIME_ME_SAMPLER: 'ddim' };
  const server = startCli(['serve', '--port', '0', '--data-dir', path.join(dir, 'data-env')], env);
  try {
    const base = await serving(server);
    const { params } = await runJob(base, '3');
    assert.equal(params.steps, 2);
    assert.match(params.sampler ?? '', /ddim/i);
  } finally {
    await stop(server);
  }
});

test('serve with a bad pack stops at start-up with the precise message, before listening', { timeout: 120_000 }, async () => {
  const broken = writeTinyPack(path.join(dir, 'broken')).dir;
  await rm(path.join(broken, 'unet', 'model.onnx'));
  const server = startCli(['serve', '--port', '0', '--data-dir', path.join(dir, 'data-bad'), '--engine', 'diffusion', '--model', broken], baseEnv());
  assert.equal(await server.exited, 1);
  assert.match(server.stderr(), /unet[\\/]model\.onnx not found \(tried .*broken[\\/]unet[\\/]model\.onnx\)/);
  assert.doesNotMatch(server.stderr(), /serving/);
  const bad = startCli(['serve', '--port', '0', '--engine', 'diffusion', '--model', pack, '--steps', '0'], baseEnv());
  assert.equal(await bad.exited, 2);
  assert.match(bad.stderr(), /Expected integer between 1 and 1000 for --steps but received 0/);
  const cuda = startCli(['serve', '--port', '0', '--engine', 'diffusion', '--model', pack, '--device', 'cuda'], baseEnv());
  assert.equal(await cuda.exited, 2);
  assert.match(cuda.stderr(), /--device "cuda" is not available: .*ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node/);
});

let redis: RedisHandle | undefined;
let service: Service | undefined;

test('worker --engine diffusion takes jobs from Redis and runs them on the pack; a bad pack stops it at start-up', { skip: REDIS_SKIP_REASON, timeout: 180_000 }, async () => {
  redis = await startRedis();
  const dataDir = path.join(dir, 'data-worker');
  service = await startService({ port: 0, host: '127.0.0.1', redisUrl: redis.url, dataDir, env: { ANIME_ME_URL_SECRET: 'engine-service-test-secret-0123456789' } });
  const broken = writeTinyPack(path.join(dir, 'broken-worker'), { tinyVae: false }).dir;
  const bad = startCli(['worker', '--redis', redis.url, '--data-dir', dataDir, '--engine', 'diffusion', '--model', broken, '--tiny-vae'], baseEnv());
  assert.equal(await bad.exited, 1);
  assert.match(bad.stderr(), /autoencoder folder not found: .*broken-worker[\\/]taesd/);

  const worker = startCli(['worker', '--redis', redis.url, '--data-dir', dataDir, '--engine', 'diffusion', '--model', pack, '--steps', '3', '--strength', '0.6'], baseEnv());
  try {
    await waitFor(() => {
      if (worker.child.exitCode !== null) throw new Error(`worker exited: ${worker.stderr()}`);
      return worker.stderr().includes('pipeline thread(s), engine diffusion');
    }, 'the worker up', 60_000);
    const { params } = await runJob(service.url, '11');
    assert.equal(params.steps, 3);
    assert.equal(params.denoisingStrength, 0.6);
  } finally {
    assert.equal(await stop(worker), 0, worker.stderr());
  }
});

after(async () => {
  await service?.close();
  await redis?.stop();
});
