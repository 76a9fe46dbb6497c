import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { createBullmqQueue, createBullmqWorker } from '../../src/queue/bullmq-queue.js';
import { newJobId } from '../../src/queue/job-id.js';
import { runQueueConformance } from './conformance.js';
import { createControlledProcessor, waitFor } from './helpers.js';
import { REDIS_SKIP_REASON, startRedis, type RedisHandle } from './redis-server.js';

let redis: RedisHandle | undefined;
let suite = 0;
before(async () => {
  if (!REDIS_SKIP_REASON) redis = await startRedis();
});
after(async () => {
  await redis?.stop();
});

runQueueConformance(
  'BullMQ',
  async (options) => {
    // A queue name per test keeps tests apart on one Redis.
    const queueName = `conformance-${++suite}`;
    const queue = await createBullmqQueue({ redisUrl: redis!.url, queueName, capacity: options.capacity, maxPerClient: options.maxPerClient, retentionMs: options.retentionMs, positionPollMs: 100 });
    const worker = await createBullmqWorker({ redisUrl: redis!.url, queueName, processor: options.processor, concurrency: options.concurrency, lockDurationMs: 5000 });
    return {
      queue,
      async close() {
        await worker.close(1000);
        await queue.close();
      },
    };
  },
  REDIS_SKIP_REASON,
);

test('job data in Redis holds options and a hashed client key only: small, no image bytes, no address (G14)', { skip: REDIS_SKIP_REASON }, async () => {
  const queueName = 'privacy';
  const control = createControlledProcessor();
  const queue = await createBullmqQueue({ redisUrl: redis!.url, queueName, capacity: 5, maxPerClient: 5, retentionMs: 60_000 });
  const worker = await createBullmqWorker({ redisUrl: redis!.url, queueName, processor: control.processor, concurrency: 1, lockDurationMs: 5000 });
  const client = new Redis(redis!.url);
  try {
    const id = newJobId();
    await queue.add({ id, clientKey: '203.0.113.7', options: { seed: 5, style: 'manga-ink', composite: true } });
    await waitFor(async () => (await queue.get(id))?.state === 'done', 'done');
    const data = await client.hget(`bull:${queueName}:${id}`, 'data');
    assert.ok(data);
    assert.ok(data.length < 2048, `job data is ${data.length} bytes`);
    assert.ok(!data.includes('203.0.113.7'), 'no client address in job data');
    assert.ok(!/[A-Za-z0-9+/]{200,}/.test(data), 'no base64 blobs in job data');
    assert.deepEqual(JSON.parse(data).options, { seed: 5, style: 'manga-ink', composite: true });
  } finally {
    client.disconnect();
    await worker.close(1000);
    await queue.close();
  }
});

test('finished jobs carry a retention age so Redis prunes them', { skip: REDIS_SKIP_REASON }, async () => {
  const queueName = 'retention';
  const control = createControlledProcessor();
  const queue = await createBullmqQueue({ redisUrl: redis!.url, queueName, capacity: 5, maxPerClient: 5, retentionMs: 120_000 });
  const worker = await createBullmqWorker({ redisUrl: redis!.url, queueName, processor: control.processor, concurrency: 1, lockDurationMs: 5000 });
  const client = new Redis(redis!.url);
  try {
    const id = newJobId();
    await queue.add({ id, clientKey: 'c', options: { seed: 0 } });
    await waitFor(async () => (await queue.get(id))?.state === 'done', 'done');
    const opts = JSON.parse((await client.hget(`bull:${queueName}:${id}`, 'opts')) ?? '{}');
    assert.deepEqual(opts.removeOnComplete ?? opts.rc, { age: 120 });
  } finally {
    client.disconnect();
    await worker.close(1000);
    await queue.close();
  }
});
