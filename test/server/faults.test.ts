/**
 * The embedded (single-process) service under faults: restarts with jobs queued (the job journal in
 * the data folder, G8), graceful shutdown with an upload in flight and a job running (G13), a job
 * stopped past the grace period (back to the line), a crash (SIGKILL of `anime-me serve`), and the
 * per-job timeout (G12). The stand-in pipeline keeps jobs short and steerable.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startService, type Service, type ServiceOptions } from '../../src/server/service.js';
import { waitFor } from '../queue/helpers.js';
import { getJob, smallPhoto, STAND_IN, submit, untilState } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dirs: string[] = [];
const services: Service[] = [];
const children: ChildProcess[] = [];

after(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    }
  }
  for (const service of services) await service.close().catch(() => undefined);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function dataDir() {
  const dir = await mkdtemp(path.join(tmpdir(), 'anime-me-restart-'));
  dirs.push(dir);
  return dir;
}

async function start(dir: string, options: ServiceOptions = {}) {
  const service = await startService({
    port: 0,
    host: '127.0.0.1',
    dataDir: dir,
    concurrency: 1,
    pipelineModule: STAND_IN,
    pipelineOptions: { blockMs: 100 },
    rateLimitPerMinute: 10_000,
    maxPerClient: 100,
    shutdownGraceMs: 5000,
    env: {},
    ...options,
  });
  services.push(service);
  return service;
}

/** A multipart upload whose body is sent in two halves; the second half when asked. */
function splitUpload(base: string, photo: Uint8Array, fields: Record<string, string>) {
  const boundary = '----anime-me-split';
  const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  const head = Buffer.from(`${parts.join('')}--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
  const body = Buffer.concat([head, Buffer.from(photo), Buffer.from(`\r\n--${boundary}--\r\n`)]);
  const half = Math.floor(body.length / 2);
  let sendRest!: () => void;
  const response = new Promise<{ status: number; body: Record<string, any> }>((resolve, reject) => {
    const req = request(
      new URL('/api/v1/jobs', base),
      { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length, connection: 'close' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.write(body.subarray(0, half));
    sendRest = () => req.end(body.subarray(half));
  });
  return { response, sendRest: () => sendRest() };
}

test('graceful shutdown: an upload in flight is answered, the running job finishes; queued jobs survive the restart (G13, G8)', { timeout: 60_000 }, async () => {
  const dir = await dataDir();
  const photo = await smallPhoto();
  const first = await start(dir);
  const running = await submit(first.url, photo, { size: '96', prompt: 'test:sleep=1200' });
  await untilState(first.url, running.body['id'], 'running');
  const queued = [(await submit(first.url, photo, { size: '96' })).body['id'], (await submit(first.url, photo, { size: '96' })).body['id']];

  const upload = splitUpload(first.url, photo, { size: '96' });
  await new Promise((resolve) => setTimeout(resolve, 150)); // the request is in, its body half-read
  const closing = first.close(); // what SIGTERM does
  await new Promise((resolve) => setTimeout(resolve, 100));
  upload.sendRest();
  const answered = await upload.response;
  assert.equal(answered.status, 202, `the in-flight upload drained: ${JSON.stringify(answered.body)}`);
  await closing;

  const second = await start(dir);
  const done = await untilState(second.url, running.body['id'], 'done');
  assert.equal(done['attempts'], 1, 'the running job finished within the grace period, not re-run');
  for (const id of [...queued, answered.body['id']]) {
    const job = await untilState(second.url, id, 'done', 30_000);
    assert.equal(job['attempts'], 1);
  }
  assert.equal((await fetch(`${second.url}${done['result'].url}`)).status, 200, 'its result is still served after the restart');
});

test('a job still running when the grace period ends goes back to the line and runs after the restart', { timeout: 60_000 }, async () => {
  const dir = await dataDir();
  const photo = await smallPhoto();
  const first = await start(dir, { shutdownGraceMs: 300 });
  const { body } = await submit(first.url, photo, { size: '96', prompt: 'test:sleep=2000' });
  await untilState(first.url, body['id'], 'running');
  await first.close();
  const record = JSON.parse(await readFile(path.join(dir, 'jobs', body['id'], 'job.json'), 'utf8'));
  assert.equal(record.record.state, 'queued');
  assert.ok(await first.storage.has(`jobs/${body['id']}/input`), 'the upload is kept for the next run');

  const second = await start(dir);
  const job = await untilState(second.url, body['id'], 'done', 30_000);
  assert.equal(job['attempts'], 2);
});

test('per-job timeout: a job over its budget fails with TIMEOUT once, is not retried, and the next job runs (G12)', { timeout: 60_000 }, async () => {
  const service = await start(await dataDir(), { jobTimeoutMs: 700 });
  const photo = await smallPhoto();
  // The stand-in holds its thread for the whole 2.5 s (as native inference would), so the pool
  // answers TIMEOUT at 0.7 s and the thread is free again only afterwards.
  const slow = await submit(service.url, photo, { size: '96', prompt: 'test:sleep=2500' });
  const failed = await untilState(service.url, slow.body['id'], 'failed', 30_000);
  assert.equal(failed['error'].code, 'TIMEOUT');
  assert.equal(failed['attempts'], 1, 'a timeout is final');
  assert.equal(await service.storage.has(`jobs/${slow.body['id']}/input`), false, 'a failed job keeps no photo');
  const next = await submit(service.url, photo, { size: '96' });
  await untilState(service.url, next.body['id'], 'done', 30_000);
});

/** `anime-me serve` as a child process; resolves with its URL once it listens. */
async function serve(dir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--data-dir', dir, '--concurrency', '1'], {
    cwd: ROOT,
    env: { ...process.env, ANIME_ME_TEST_PIPELINE_MODULE: STAND_IN, ANIME_ME_URL_SECRET: 'restart-test-secret-0123456789', LOG_LEVEL: 'warn', ANIME_ME_RATE_LIMIT: '10000', ANIME_ME_MAX_PER_CLIENT: '100' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let log = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (log += chunk));
  const url = await waitFor(() => /serving (http:\/\/\S+?)\/ /.exec(log)?.[1], 'anime-me serve listening', 30_000);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url, exited, log: () => log };
}

test('`anime-me serve` SIGKILLed with jobs running and queued: after a restart all complete; SIGTERM then exits 0 after finishing its job', { timeout: 90_000 }, async () => {
  const dir = await dataDir();
  const photo = await smallPhoto();
  const first = await serve(dir);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await submit(first.url, photo, { size: '96', prompt: 'test:sleep=1000' })).body['id']);
  await untilState(first.url, ids[0], 'running', 30_000);
  first.child.kill('SIGKILL');
  await first.exited;

  const second = await serve(dir);
  const jobs = [];
  for (const id of ids) jobs.push(await untilState(second.url, id, 'done', 30_000));
  assert.equal(jobs[0]['attempts'], 2, 'the job interrupted by the crash ran again');
  assert.equal((await fetch(`${second.url}${jobs[0]['result'].url}`)).status, 200);

  const last = await submit(second.url, photo, { size: '96', prompt: 'test:sleep=1000' });
  await untilState(second.url, last.body['id'], 'running', 30_000);
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.log());
  const record = JSON.parse(await readFile(path.join(dir, 'jobs', last.body['id'], 'job.json'), 'utf8'));
  assert.equal(record.record.state, 'done', 'the running job finished before the process exited');
  assert.equal((await getJob(second.url, last.body['id']).catch(() => ({ status: 0 }))).status, 0, 'the server is gone');
});
