import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryQueue } from '../../src/queue/memory-queue.js';
import { newJobId } from '../../src/queue/job-id.js';
import { runQueueConformance } from './conformance.js';
import { createControlledProcessor, waitFor } from './helpers.js';

runQueueConformance('in-process', async (options) => {
  const queue = createMemoryQueue(options);
  return { queue, close: () => queue.close(1000) };
});

test('finished jobs are forgotten after the retention time and announced as removed', async () => {
  let now = 1_000_000;
  const control = createControlledProcessor();
  const queue = createMemoryQueue({ processor: control.processor, concurrency: 1, capacity: 5, maxPerClient: 5, retentionMs: 60_000, now: () => now });
  try {
    const removed: string[] = [];
    queue.subscribe('*', (e) => e.type === 'removed' && removed.push(e.id));
    const id = newJobId();
    await queue.add({ id, clientKey: 'c', options: { seed: 0 } });
    await waitFor(async () => (await queue.get(id))?.state === 'done', 'done');
    now += 59_000;
    assert.equal((await queue.get(id))?.state, 'done');
    now += 2_000; // past the retention time
    assert.equal(await queue.get(id), undefined);
    assert.deepEqual(removed, [id]);
  } finally {
    await queue.close();
  }
});

test('close() fails waiting jobs with CANCELLED and lets the running one finish', async () => {
  const control = createControlledProcessor();
  const queue = createMemoryQueue({ processor: control.processor, concurrency: 1, capacity: 5, maxPerClient: 5, retentionMs: 60_000 });
  const a = newJobId();
  const b = newJobId();
  await queue.add({ id: a, clientKey: 'c', options: { seed: 0, prompt: 'gate' } });
  await waitFor(() => control.isWaiting(a), 'running');
  await queue.add({ id: b, clientKey: 'c', options: { seed: 0 } });
  const closing = queue.close(5000);
  assert.equal((await queue.get(b))?.error?.code, 'CANCELLED');
  control.release(a);
  await closing;
  assert.equal((await queue.get(a))?.state, 'done');
});
