/**
 * Webhooks in distributed mode: two HTTP servers on one Redis both hear every job finish, and the
 * receiver still gets exactly one notice per job (the delivery is claimed in Redis). The delivery
 * outcome is visible from either server.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createBullmqWorker, type BullmqWorker } from '../../src/queue/bullmq-queue.js';
import { createPipelineProcessor } from '../../src/queue/pipeline-processor.js';
import { startService, type Service } from '../../src/server/service.js';
import { createLocalStorage } from '../../src/storage/local-storage.js';
import { createStandInPool, waitFor } from '../queue/helpers.js';
import { REDIS_SKIP_REASON, startRedis, type RedisHandle } from '../queue/redis-server.js';
import { getJob, smallPhoto, submit } from './helpers.js';

let redis: RedisHandle | undefined;
let dataDir = '';
const services: Service[] = [];
let worker: BullmqWorker | undefined;
let receiver: Server | undefined;
const received: Array<{ id: string; state: string }> = [];
/** How long the stand-in worker takes per job (a test holds one running to delete it). */
let jobMs = 50;

before(async () => {
  if (REDIS_SKIP_REASON) return;
  redis = await startRedis();
  dataDir = await mkdtemp(path.join(tmpdir(), 'anime-me-webhook-bullmq-'));
  const common = {
    port: 0,
    host: '127.0.0.1',
    redisUrl: redis.url,
    dataDir,
    maxPerClient: 50,
    rateLimitPerMinute: 1000,
    queueCapacity: 50,
    webhookAllowPrivate: true,
    webhookSecret: 'shared-webhook-secret-0123',
    urlSecret: 'shared-url-secret-0123456789',
    env: {},
  };
  services.push(await startService(common), await startService(common));
  worker = await createBullmqWorker({
    redisUrl: redis.url,
    processor: createPipelineProcessor({ pool: createStandInPool({ jobMs: () => jobMs }), storage: createLocalStorage({ dir: dataDir }) }),
    concurrency: 2,
    lockDurationMs: 5000,
  });
  receiver = createServer((request, response) => {
    let raw = '';
    request.setEncoding('utf8');
    request.on('data', (c: string) => (raw += c));
    request.on('end', () => {
      const body = JSON.parse(raw) as { id: string; state: string };
      received.push({ id: body.id, state: body.state });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  await worker?.close(1000);
  for (const service of services) await service.close();
  receiver?.closeAllConnections();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  await redis?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('two servers, one Redis: each finished job is delivered exactly once', { skip: REDIS_SKIP_REASON, timeout: 120_000 }, async () => {
  const hook = `http://127.0.0.1:${(receiver!.address() as AddressInfo).port}/hook`;
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const { status, body } = await submit(services[i % 2].url, await smallPhoto(), { webhook: hook, size: '96' });
    assert.equal(status, 202, JSON.stringify(body));
    ids.push(body['id']);
  }
  for (const id of ids) {
    await waitFor(async () => (await getJob(services[0].url, id)).body['webhook']?.state === 'delivered', `${id} delivered`, 60_000);
  }
  // Both servers have seen every completion by now; give a duplicate a moment to show up if there were one.
  await Promise.all(services.map((s) => s.app.animeMeWebhooks.idle()));
  assert.equal(received.length, ids.length, JSON.stringify(received));
  assert.deepEqual(new Set(received.map((r) => r.id)), new Set(ids));
  assert.ok(received.every((r) => r.state === 'done'));
  // The outcome is visible from the other server too.
  const other = (await getJob(services[1].url, ids[0])).body;
  assert.equal(other['webhook'].state, 'delivered');
  assert.equal(other['webhook'].attempts, 1);
});

test('two servers: a job deleted while it runs sends one "cancelled" notice; the worker’s CANCELLED ending adds none', { skip: REDIS_SKIP_REASON, timeout: 120_000 }, async () => {
  const hook = `http://127.0.0.1:${(receiver!.address() as AddressInfo).port}/cancel`;
  const before = received.length;
  jobMs = 5000;
  try {
    const { body } = await submit(services[1].url, await smallPhoto(), { webhook: hook, size: '96' });
    await waitFor(async () => (await getJob(services[0].url, body['id'])).body['state'] === 'running', 'running', 60_000);
    assert.equal((await fetch(`${services[0].url}/api/v1/jobs/${body['id']}`, { method: 'DELETE' })).status, 204);
    await waitFor(() => received.length > before, 'cancel notice', 30_000);
    // Let the worker's CANCELLED failure travel to both servers, then check nothing else was sent.
    await waitFor(async () => (await getJob(services[1].url, body['id'])).status === 404, 'gone everywhere', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await Promise.all(services.map((s) => s.app.animeMeWebhooks.idle()));
    assert.deepEqual(received.slice(before), [{ id: body['id'], state: 'cancelled' }]);
  } finally {
    jobMs = 50;
  }
});
