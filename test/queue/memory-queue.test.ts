import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryQueue } from '../../src/queue/memory-queue.js';
import { newJobId } from '../../src/queue/job-id.js';
import type { JobJournal, JournalEntry } from '../../src/queue/journal.js';
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

/** A journal in a Map, as the storage journal would keep it (records cloned on write). */
function mapJournal() {
  const records = new Map<string, JournalEntry>();
  const journal: JobJournal = {
    load: async () => [...records.values()].map((e) => structuredClone(e)).sort((a, b) => a.record.createdAt - b.record.createdAt),
    save: async (entry) => void records.set(entry.record.id, structuredClone(entry)),
    delete: async (id) => void records.delete(id),
  };
  return { journal, records };
}

test('with a journal: records are written before add() resolves, and a restart resumes them (order kept, crash counted, client hashed)', async () => {
  const { journal, records } = mapJournal();
  const control = createControlledProcessor();
  const options = { processor: control.processor, concurrency: 1, capacity: 10, maxPerClient: 10, retentionMs: 60_000, journal };
  const first = createMemoryQueue(options);
  const [running, second, third] = [newJobId(), newJobId(), newJobId()];
  await first.add({ id: running, clientKey: '198.51.100.4', options: { seed: 0, prompt: 'gate' } });
  assert.equal(records.get(running)?.record.state, 'queued', 'durable before the 202');
  assert.ok(!JSON.stringify(records.get(running)).includes('198.51.100.4'), 'the client is stored hashed');
  await waitFor(() => control.isWaiting(running), 'running');
  await waitFor(() => records.get(running)?.record.state === 'running', 'running recorded');
  await first.add({ id: second, clientKey: 'c', options: { seed: 0 } });
  await first.add({ id: third, clientKey: 'c', options: { seed: 0 } });
  // A crash: the process is gone without close(); only the journal remains.
  const restart = createControlledProcessor();
  restart.release(running); // this time the gated job runs through
  const after = createMemoryQueue({ ...options, processor: restart.processor, restored: await journal.load() });
  try {
    await waitFor(async () => (await after.get(third))?.state === 'done', 'all resumed');
    const order = restart.calls.map((c) => c.id);
    assert.deepEqual(order, [running, second, third], 'oldest first, the interrupted job included');
    assert.equal((await after.get(running))?.attempts, 2, 'the interrupted attempt counts');
    assert.equal(records.get(third)?.record.state, 'done');
  } finally {
    control.releaseAll();
    await first.close(0).catch(() => undefined);
    await after.close();
  }
});

test('with a journal: a job interrupted by a crash on its last attempt is failed, not run again', async () => {
  const { journal } = mapJournal();
  const id = newJobId();
  await journal.save({ record: { id, state: 'running', options: { seed: 0 }, createdAt: 1, startedAt: 2, attempts: 2 }, clientKey: 'x' });
  const control = createControlledProcessor();
  const queue = createMemoryQueue({ processor: control.processor, concurrency: 1, capacity: 5, maxPerClient: 5, retentionMs: 60_000, journal, restored: await journal.load() });
  try {
    const record = await queue.get(id);
    assert.equal(record?.state, 'failed');
    assert.equal(record?.error?.code, 'INTERNAL');
    assert.equal(control.calls.length, 0);
  } finally {
    await queue.close();
  }
});
