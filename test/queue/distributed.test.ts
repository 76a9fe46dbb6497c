/**
 * Distributed mode end to end: an HTTP server on BullMQ, two `anime-me worker` processes sharing a
 * data folder, a worker SIGKILLed in the middle of a job (G7): every job still completes, none is
 * lost, and the killed job was retried elsewhere. Then a SIGTERM'd worker finishes its job and
 * exits cleanly (G13).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startService, type Service } from '../../src/server/service.js';
import { smallPhoto, STAND_IN } from '../server/helpers.js';
import { waitFor } from './helpers.js';
import { REDIS_SKIP_REASON, startRedis, type RedisHandle } from './redis-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Short locks so a killed worker's job is picked up within seconds, not the production 30–60 s. */
const LOCK_MS = 2000;

let redis: RedisHandle | undefined;
let service: Service | undefined;
let dataDir = '';
const workers: Array<{ child: ChildProcess; log: string[] }> = [];

function startWorker() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--redis', redis!.url, '--data-dir', dataDir, '--concurrency', '1'], {
    cwd: ROOT,
    env: { ...process.env, ANIME_ME_TEST_PIPELINE_MODULE: STAND_IN, ANIME_ME_LOCK_MS: String(LOCK_MS), ANIME_ME_SHUTDOWN_GRACE_S: '20' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log: string[] = [];
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => log.push(...chunk.split('\n').filter(Boolean)));
  const handle = { child, log };
  workers.push(handle);
  return handle;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

before(async () => {
  if (REDIS_SKIP_REASON) return;
  redis = await startRedis();
  dataDir = await mkdtemp(path.join(tmpdir(), 'anime-me-distributed-'));
  service = await startService({ port: 0, host: '127.0.0.1', redisUrl: redis.url, dataDir, maxPerClient: 50, rateLimitPerMinute: 1000, queueCapacity: 50, env: {} });
});

after(async () => {
  for (const { child } of workers) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
  }
  await service?.close();
  await redis?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function submit(prompt: string) {
  const form = new FormData();
  form.append('size', '96');
  form.append('prompt', prompt);
  form.append('image', new Blob([await smallPhoto()], { type: 'image/jpeg' }), 'p.jpg');
  const response = await fetch(`${service!.url}/api/v1/jobs`, { method: 'POST', body: form });
  assert.equal(response.status, 202, await response.clone().text());
  return ((await response.json()) as { id: string }).id;
}

const job = async (id: string) => (await (await fetch(`${service!.url}/api/v1/jobs/${id}`)).json()) as Record<string, any>;

test('a worker SIGKILLed mid-job: the job is retried on the other worker; every job completes, none lost (G7)', { skip: REDIS_SKIP_REASON, timeout: 180_000 }, async () => {
  const a = startWorker();
  const b = startWorker();
  await waitFor(() => a.log.some((l) => l.includes('pipeline thread(s)')) && b.log.some((l) => l.includes('pipeline thread(s)')), 'both workers up', 60_000);
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push(await submit('test:sleep=2000'));

  // Kill worker A while it is in the middle of a job.
  const started = await waitFor(() => {
    const line = a.log.find((l) => / started /.test(l));
    return line ? /job (\S+) started/.exec(line)![1] : undefined;
  }, 'worker A started a job', 60_000);
  await waitFor(async () => (await job(started))['state'] === 'running', 'the job is running');
  a.child.kill('SIGKILL');
  await exited(a.child);

  // Every job completes on worker B, the killed one included.
  for (const id of ids) {
    await waitFor(async () => {
      const j = await job(id);
      assert.notEqual(j['state'], 'failed', `${id} failed: ${JSON.stringify(j['error'])}`);
      return j['state'] === 'done' ? j : undefined;
    }, `job ${id} done`, 120_000);
  }
  const killed = await job(started);
  assert.ok(killed['attempts'] >= 2, `the killed job was started again (attempts ${killed['attempts']})`);
  assert.ok(b.log.some((l) => l.includes(`job ${started} completed`)), 'worker B completed the killed job');
  for (const id of ids) {
    const result = await fetch(`${service!.url}${(await job(id))['result'].url}`);
    assert.equal(result.status, 200);
    assert.equal(result.headers.get('content-type'), 'image/png');
  }
  // Uploads are gone once jobs are done; results stay until the TTL.
  const entries = await service!.storage.list();
  assert.ok(!entries.some((e) => e.key.endsWith('/input')), 'no uploads left');
});

test('through BullMQ, SSE shows the place in line moving up, then done', { skip: REDIS_SKIP_REASON, timeout: 120_000 }, async () => {
  const ids = [await submit('test:sleep=1500'), await submit('test:sleep=1500'), await submit('test:sleep=1500')];
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 90_000);
  const text = await (await fetch(`${service!.url}/api/v1/jobs/${ids[2]}/events`, { signal: controller.signal })).text();
  clearTimeout(timer);
  const events = text.split('\n\n').filter((b) => b.startsWith('event:')).map((b) => ({ event: /^event: (.*)$/m.exec(b)![1], data: JSON.parse(/^data: (.*)$/m.exec(b)![1]) }));
  assert.equal(events[0].event, 'state');
  assert.equal(events.at(-1)!.event, 'done');
  const positions = [events[0].data.position, ...events.filter((e) => e.event === 'position').map((e) => e.data.position)].filter((p) => typeof p === 'number');
  assert.ok(positions.length >= 2, `positions: ${positions}`);
  for (let i = 1; i < positions.length; i++) assert.ok(positions[i] < positions[i - 1], `positions only move up: ${positions}`);
  assert.ok(events.some((e) => e.event === 'progress' && e.data.stage === 'stylize'));
});

test('SIGTERM: a worker finishes its running job, then exits 0 (G13)', { skip: REDIS_SKIP_REASON, timeout: 120_000 }, async () => {
  const c = workers.find((w) => w.child.exitCode === null && w.child.signalCode === null) ?? startWorker();
  await waitFor(() => c.log.some((l) => l.includes('pipeline thread(s)')), 'worker up', 60_000);
  const id = await submit('test:sleep=2500');
  await waitFor(async () => (await job(id))['state'] === 'running', 'running', 60_000);
  c.child.kill('SIGTERM');
  assert.equal(await exited(c.child), 0);
  const j = await job(id);
  assert.equal(j['state'], 'done', JSON.stringify(j['error']));
});
