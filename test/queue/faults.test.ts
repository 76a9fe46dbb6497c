/**
 * Distributed mode under faults, against a real redis-server on a loopback port and the real HTTP
 * service: worker processes SIGKILLed mid-job again and again (G7), Redis restarted and crashed with
 * jobs queued (AOF, G8), Redis away (503 QUEUE_UNAVAILABLE, then recovery), a worker stopped past its
 * grace period (the job goes back, G13), and what is left in Redis and on disk after the TTL (G14).
 * Locks are 1 s here (production: 30 s) so a crashed worker's job comes back within seconds.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createBullmqWorker, type BullmqWorker } from '../../src/queue/bullmq-queue.js';
import { createPipelineProcessor } from '../../src/queue/pipeline-processor.js';
import { startService, type Service } from '../../src/server/service.js';
import { createLocalStorage } from '../../src/storage/local-storage.js';
import { smallPhoto } from '../server/helpers.js';
import { createStandInPool, waitFor } from './helpers.js';
import { REDIS_SKIP_REASON, startRedis, type RedisHandle } from './redis-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CRASH_WORKER = fileURLToPath(new URL('./fixtures/crash-worker.ts', import.meta.url));
const LOCK_MS = 1000;
const SECRET = 'faults-test-url-secret-0123456789';

async function startDistributed(redis: RedisHandle, dataDir: string, extra: Record<string, unknown> = {}): Promise<Service> {
  return startService({
    port: 0,
    host: '127.0.0.1',
    redisUrl: redis.url,
    dataDir,
    maxPerClient: 1000,
    rateLimitPerMinute: 100_000,
    queueCapacity: 1000,
    urlSecret: SECRET,
    env: {},
    ...extra,
  });
}

async function post(service: Service, photo: Uint8Array) {
  const form = new FormData();
  form.append('size', '96');
  form.append('image', new Blob([photo], { type: 'image/jpeg' }), 'p.jpg');
  const response = await fetch(`${service.url}/api/v1/jobs`, { method: 'POST', body: form });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

async function submit(service: Service, photo: Uint8Array): Promise<string> {
  const answer = await post(service, photo);
  assert.equal(answer.status, 202, JSON.stringify(answer.body));
  return answer.body['id'];
}

const getJob = async (service: Service, id: string) => {
  const response = await fetch(`${service.url}/api/v1/jobs/${id}`);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
};

/** Wait until every job is done; any failure fails the test at once, with its error. */
async function allDone(service: Service, ids: string[], timeoutMs: number) {
  const jobs: Record<string, any>[] = [];
  for (const id of ids) {
    jobs.push(
      await waitFor(async () => {
        const { status, body } = await getJob(service, id);
        assert.equal(status, 200, `job ${id}: ${JSON.stringify(body)}`);
        assert.notEqual(body['state'], 'failed', `job ${id} failed: ${JSON.stringify(body['error'])}`);
        return body['state'] === 'done' ? body : undefined;
      }, `job ${id} done`, timeoutMs),
    );
  }
  return jobs;
}

function inProcessWorker(redis: RedisHandle, dataDir: string, jobMs: number, concurrency = 2): Promise<BullmqWorker> {
  const pool = createStandInPool({ size: concurrency, jobMs });
  return createBullmqWorker({
    redisUrl: redis.url,
    processor: createPipelineProcessor({ pool, storage: createLocalStorage({ dir: dataDir }) }),
    concurrency,
    lockDurationMs: LOCK_MS,
  });
}

describe('worker processes SIGKILLed mid-job (G7)', { skip: REDIS_SKIP_REASON }, () => {
  const JOBS = 20;
  let redis: RedisHandle;
  let service: Service;
  let dataDir = '';
  let putLog = '';
  const children: ChildProcess[] = [];

  before(async () => {
    redis = await startRedis({ appendfsync: 'everysec' });
    dataDir = await mkdtemp(path.join(tmpdir(), 'anime-me-faults-'));
    putLog = path.join(dataDir, '..', `${path.basename(dataDir)}-puts.log`);
    writeFileSync(putLog, '');
    service = await startDistributed(redis, dataDir);
  });
  after(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await gone;
      }
    }
    await service?.close();
    await redis?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    if (putLog) await rm(putLog, { force: true });
  });

  function spawnWorker(env: Record<string, string>) {
    const child = spawn(process.execPath, ['--import', 'tsx', CRASH_WORKER], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: redis.url, DATA_DIR: dataDir, PUT_LOG: putLog, LOCK_MS: String(LOCK_MS), ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(child);
    const lines: string[] = [];
    let partial = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      lines.push(...parts);
    });
    return {
      child,
      lines,
      async go() {
        await waitFor(() => lines.includes('ready'), 'worker process loaded', 30_000);
        child.stdin!.write('go\n');
      },
    };
  }

  test(`${JOBS} workers SIGKILLed in a row, each in the middle of a job: all ${JOBS} jobs complete, 0 lost, each result written once`, { timeout: 240_000 }, async () => {
    const photo = await smallPhoto();
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) ids.push(await submit(service, photo));

    // One worker at a time, the next one already loaded. Each is killed as soon as it starts a job it
    // has not been killed on before; a job that comes back after its kill is let through, so every
    // job is killed exactly once (three kills of one job would, by design, fail it).
    const victim = { JOB_MS: '1500', RERUN_MS: '100', CONCURRENCY: '1' };
    const killed: string[] = [];
    let letThrough = 0;
    let current = spawnWorker(victim);
    let next = spawnWorker(victim);
    await current.go();
    while (killed.length < JOBS) {
      let seen = 0;
      const id = await waitFor(() => {
        for (; seen < current.lines.length; seen++) {
          const match = /^started (\S+) \d+$/.exec(current.lines[seen]);
          if (match && !killed.includes(match[1])) return match[1];
          if (match) letThrough++;
        }
        return undefined;
      }, 'a worker started a job', 60_000);
      const gone = new Promise((resolve) => current.child.once('exit', resolve));
      current.child.kill('SIGKILL');
      await gone;
      const written = readFileSync(putLog, 'utf8');
      assert.ok(!written.includes(`jobs/${id}/outcome.json`), `the kill landed in the middle of job ${id}, before its result was stored`);
      killed.push(id);
      if (killed.length === JOBS) break;
      current = next;
      next = spawnWorker(victim);
      await current.go();
    }
    next.child.kill('SIGKILL'); // loaded, never started

    // A healthy worker picks up the stalled jobs once their locks run out.
    const survivor = spawnWorker({ JOB_MS: '100', CONCURRENCY: '4' });
    await survivor.go();
    const jobs = await allDone(service, ids, 120_000);

    assert.equal(new Set(killed).size, JOBS, 'every kill hit a different job, in the middle of it');
    for (const job of jobs) assert.ok(job['attempts'] >= 2, `job ${job['id']} was started again after its kill (attempts ${job['attempts']})`);
    const puts = readFileSync(putLog, 'utf8').split('\n').filter(Boolean);
    for (const id of ids) {
      assert.equal(puts.filter((key) => key === `jobs/${id}/result.jpg`).length, 1, `result of ${id} written exactly once`);
      assert.equal(puts.filter((key) => key === `jobs/${id}/outcome.json`).length, 1, `outcome of ${id} written exactly once`);
    }
    for (const job of jobs) {
      const result = await fetch(`${service.url}${job['result'].url}`);
      assert.equal(result.status, 200);
      assert.deepEqual(new Uint8Array(await result.arrayBuffer()), photo, 'the stand-in returns the photo itself');
    }
    assert.deepEqual((await service.storage.list()).filter((e) => e.key.endsWith('/input')), [], 'no upload is left behind');
    process.stderr.write(`# faults: ${JOBS} SIGKILLs of worker processes mid-job (${letThrough} re-runs let through); ${jobs.length}/${JOBS} jobs done, 0 lost, 0 results written twice\n`);
  });
});

describe('Redis restarts, crashes and outages (G8)', { skip: REDIS_SKIP_REASON }, () => {
  let redis: RedisHandle;
  let dataDir = '';
  const services: Service[] = [];
  const workers: BullmqWorker[] = [];

  before(async () => {
    // AOF with fsync on every write: a job acknowledged with 202 survives even a SIGKILLed Redis.
    redis = await startRedis({ appendfsync: 'always' });
    dataDir = await mkdtemp(path.join(tmpdir(), 'anime-me-redis-restart-'));
  });
  after(async () => {
    for (const worker of workers) await worker.close(500).catch(() => undefined);
    for (const service of services) await service.close().catch(() => undefined);
    await redis?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('server and Redis restarted with 100 jobs queued: every queued job survives (AOF) and completes', { timeout: 90_000 }, async () => {
    const photo = await smallPhoto();
    const first = await startDistributed(redis, dataDir);
    services.push(first);
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push(await submit(first, photo)); // G8's 100 queued jobs
    await first.close();
    await redis.kill('SIGTERM');
    await redis.restart();
    const second = await startDistributed(redis, dataDir);
    services.push(second);
    for (const id of ids) assert.equal((await getJob(second, id)).body['state'], 'queued', 'still queued after both restarts');
    workers.push(await inProcessWorker(redis, dataDir, 20, 4));
    await allDone(second, ids, 60_000);
  });

  test('Redis SIGKILLed and away: 503 QUEUE_UNAVAILABLE with Retry-After (no hang, no crash); after it returns everything completes', { timeout: 90_000 }, async () => {
    const photo = await smallPhoto();
    const service = services.at(-1)!;
    // Slow jobs, so some are running and most are waiting when Redis dies.
    await workers.pop()!.close(500);
    workers.push(await inProcessWorker(redis, dataDir, 600, 1));
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await submit(service, photo));
    await waitFor(async () => (await getJob(service, ids[0])).body['state'] === 'running', 'first job running');

    await redis.kill('SIGKILL');
    const answers = [await post(service, photo), await post(service, photo)];
    for (const answer of answers) {
      assert.equal(answer.status, 503, JSON.stringify(answer.body));
      assert.equal(answer.body['error'].code, 'QUEUE_UNAVAILABLE');
      assert.equal(typeof answer.body['error'].message, 'string');
      assert.ok(Number(answer.headers.get('retry-after')) >= 1, 'Retry-After');
    }
    const read = await getJob(service, ids[1]);
    assert.equal(read.status, 503);
    assert.equal(read.body['error'].code, 'QUEUE_UNAVAILABLE');
    // /healthz reads queue numbers cached for 250 ms, so it turns within a moment, not at once.
    const health = await waitFor(async () => {
      const response = await fetch(`${service.url}/healthz`);
      return response.status === 503 ? ((await response.json()) as Record<string, any>) : undefined;
    }, 'healthz says degraded', 5000);
    assert.equal(health['status'], 'degraded');
    assert.equal((await fetch(`${service.url}/`)).status, 200, 'the page itself is still served');
    assert.ok(!(await service.storage.list()).some((e) => e.key.endsWith('/input') && !ids.some((id) => e.key.includes(id))), 'refused uploads were not kept');

    await redis.restart();
    await waitFor(async () => (await fetch(`${service.url}/healthz`)).status === 200, 'healthy again', 30_000);
    ids.push(await submit(service, photo));
    await allDone(service, ids, 60_000);
  });

  test('a worker stopped past its grace period hands its job back with the upload kept; another worker completes it (G13)', { timeout: 60_000 }, async () => {
    const photo = await smallPhoto();
    const service = services.at(-1)!;
    await workers.pop()!.close(500);
    const slow = await inProcessWorker(redis, dataDir, 5000, 1);
    const id = await submit(service, photo);
    await waitFor(async () => (await getJob(service, id)).body['state'] === 'running', 'running');
    await slow.close(200);
    assert.notEqual((await getJob(service, id)).body['state'], 'failed');
    assert.ok(await service.storage.has(`jobs/${id}/input`), 'the upload is kept for the next attempt');
    workers.push(await inProcessWorker(redis, dataDir, 50));
    const [job] = await allDone(service, [id], 30_000);
    assert.ok(job['attempts'] >= 2);
  });
});

describe('retention in Redis and on disk (G14)', { skip: REDIS_SKIP_REASON }, () => {
  let redis: RedisHandle;
  let service: Service;
  let worker: BullmqWorker;
  let dataDir = '';
  before(async () => {
    redis = await startRedis();
    dataDir = await mkdtemp(path.join(tmpdir(), 'anime-me-retention-'));
    service = await startDistributed(redis, dataDir, { resultTtlMs: 2000 });
    worker = await inProcessWorker(redis, dataDir, 300);
  });
  after(async () => {
    await worker?.close(500);
    await service?.close();
    await redis?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('after the TTL nothing of a job is left: no Redis key or value names it, no file on disk; job data never held image bytes', { timeout: 60_000 }, async () => {
    const client = new Redis(redis.url);
    try {
      const photo = await smallPhoto();
      const id = await submit(service, photo);
      const data = await client.hget(`bull:anime-me:${id}`, 'data');
      assert.ok(data, 'job data is in Redis while the job lives');
      assert.ok(data.length < 2048, `job data is ${data.length} bytes`);
      assert.ok(!/[A-Za-z0-9+/=_-]{100,}/.test(data), 'no base64 in job data');
      assert.ok(!data.includes(Buffer.from(photo.subarray(0, 24)).toString('base64').slice(0, 16)), 'not the photo');
      const [done] = await allDone(service, [id], 30_000);
      assert.equal((await fetch(`${service.url}${done['result'].url}`)).status, 200);

      // Gone from the API, from Redis (records, events stream, client sets) and from the disk.
      await waitFor(async () => (await getJob(service, id)).status === 404, 'job expired', 20_000);
      await waitFor(async () => !(await redisMentions(client, id)), 'no trace in Redis', 20_000);
      await waitFor(async () => (await service.storage.list(`jobs/${id}/`)).length === 0, 'files deleted', 20_000);
    } finally {
      client.disconnect();
    }
  });
});

/** Whether any key name or value in Redis contains `needle` (hashes, lists, sets, sorted sets, streams, strings). */
async function redisMentions(client: Redis, needle: string): Promise<string | false> {
  for (const key of await client.keys('*')) {
    if (key.includes(needle)) return key;
    const type = await client.type(key);
    let values: unknown[] = [];
    if (type === 'string') values = [await client.get(key)];
    else if (type === 'hash') values = Object.entries(await client.hgetall(key)).flat();
    else if (type === 'list') values = await client.lrange(key, 0, -1);
    else if (type === 'set') values = await client.smembers(key);
    else if (type === 'zset') values = await client.zrange(key, 0, -1);
    else if (type === 'stream') values = (await client.xrange(key, '-', '+')).flat(3);
    if (values.some((v) => typeof v === 'string' && v.includes(needle))) return key;
  }
  return false;
}
