/**
 * The JobQueue contract, as one suite run against every backend (memory-queue.test.ts,
 * bullmq-queue.test.ts). A backend passes when every behaviour the server relies on holds: order and
 * places in line, capacity and per-client limits, retries only for retryable errors, removal and
 * cancellation, progress and events.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { newJobId } from '../../src/queue/job-id.js';
import { isQueueRejection, type JobEvent, type JobProcessor, type JobQueue } from '../../src/queue/types.js';
import { createControlledProcessor, waitFor } from './helpers.js';

export interface HarnessOptions {
  processor: JobProcessor;
  concurrency: number;
  capacity: number;
  maxPerClient: number;
  retentionMs: number;
}

export interface QueueHarness {
  queue: JobQueue;
  close(): Promise<void>;
}

export type HarnessFactory = (options: HarnessOptions) => Promise<QueueHarness>;

export function runQueueConformance(label: string, factory: HarnessFactory, skip: string | false = false): void {
  describe(`JobQueue conformance: ${label}`, { skip }, () => {
    let harness: QueueHarness | undefined;
    let control = createControlledProcessor();

    async function setUp(overrides: Partial<Omit<HarnessOptions, 'processor'>> = {}) {
      control = createControlledProcessor();
      harness = await factory({ processor: control.processor, concurrency: 1, capacity: 10, maxPerClient: 10, retentionMs: 60_000, ...overrides });
      return harness.queue;
    }
    afterEach(async () => {
      control.releaseAll();
      await harness?.close();
      harness = undefined;
    });

    const add = (queue: JobQueue, prompt = '', clientKey = 'client-a') => {
      const id = newJobId();
      return queue.add({ id, clientKey, options: { seed: 1, prompt } }).then((r) => ({ id, ...r }));
    };
    const stateOf = async (queue: JobQueue, id: string) => (await queue.get(id))?.state;
    const until = (queue: JobQueue, id: string, state: string) => waitFor(async () => (await stateOf(queue, id)) === state, `${id} ${state}`);

    test('webhook delivery is claimed once per job and its outcome shows in the record; no webhook, no claim', async () => {
      const queue = await setUp();
      const webhook = { url: 'https://hooks.example.com/in?token=t', publicBase: 'https://anime.example.com' };
      const id = newJobId();
      await queue.add({ id, clientKey: 'client-a', options: { seed: 1 }, webhook });
      const plain = await add(queue);
      await until(queue, id, 'done');
      await until(queue, plain.id, 'done');
      assert.deepEqual((await queue.get(id))!.webhook, webhook, 'the target is kept with the job');
      assert.equal((await queue.get(plain.id))!.webhook, undefined);
      assert.equal(await queue.claimWebhook(plain.id), false, 'a job without a webhook cannot be claimed');
      assert.equal(await queue.claimWebhook(newJobId()), false, 'nor an unknown job');
      assert.deepEqual(await queue.unclaimedWebhooks(0), [id], 'a finished job nobody claimed yet is listed for the reconciler');
      assert.deepEqual(await queue.unclaimedWebhooks(3_600_000), [], 'but only once it finished long enough ago');
      const claims = await Promise.all([queue.claimWebhook(id), queue.claimWebhook(id), queue.claimWebhook(id)]);
      assert.deepEqual(claims.filter(Boolean).length, 1, 'exactly one claim wins');
      assert.equal((await queue.get(id))!.webhook?.delivery?.state, 'pending');
      await queue.recordWebhook(id, { state: 'delivered', attempts: 2, status: 204, at: 1_700_000_000_000 });
      assert.deepEqual((await queue.get(id))!.webhook?.delivery, { state: 'delivered', attempts: 2, status: 204, at: 1_700_000_000_000 });
      assert.equal(await queue.claimWebhook(id), false, 'still claimed after the outcome is written');
      assert.deepEqual(await queue.unclaimedWebhooks(0), []);
    });

    test('a job runs to done; its record carries the outcome and the attempt count', async () => {
      const queue = await setUp();
      const events: JobEvent[] = [];
      queue.subscribe('*', (e) => events.push(e));
      const { id, position } = await add(queue);
      assert.ok(position >= 0);
      await until(queue, id, 'done');
      const record = (await queue.get(id))!;
      assert.equal(record.outcome?.output.key, `jobs/${id}/result.png`);
      assert.equal(record.attempts, 1);
      assert.equal(record.options.seed, 1);
      assert.ok(record.finishedAt! >= record.createdAt);
      await waitFor(() => events.some((e) => e.type === 'done' && e.id === id), 'done event');
    });

    test('waiting jobs have 1-based places in line that move up as jobs start', async () => {
      const queue = await setUp({ concurrency: 1 });
      const a = await add(queue, 'gate');
      await waitFor(() => control.isWaiting(a.id), 'first job running');
      const b = await add(queue, 'gate');
      const c = await add(queue, 'gate');
      assert.equal(b.position, 1);
      assert.equal(c.position, 2);
      assert.equal((await queue.get(c.id))?.position, 2);
      assert.equal(await stateOf(queue, a.id), 'running');
      control.release(a.id);
      await waitFor(() => control.isWaiting(b.id), 'second job running');
      await waitFor(async () => (await queue.get(c.id))?.position === 1, 'third job first in line');
      control.releaseAll();
      await waitFor(() => control.isWaiting(c.id) || control.calls.length === 3, 'third job started');
      control.releaseAll();
      await until(queue, c.id, 'done');
      assert.deepEqual(control.calls.map((call) => call.id), [a.id, b.id, c.id], 'first in, first out');
    });

    test('a full queue rejects with QUEUE_FULL and a Retry-After hint, and keeps nothing', async () => {
      const queue = await setUp({ concurrency: 1, capacity: 2 });
      const a = await add(queue, 'gate', 'c1');
      await waitFor(() => control.isWaiting(a.id), 'first job running');
      await add(queue, 'gate', 'c2');
      await add(queue, 'gate', 'c3');
      const id = newJobId();
      const error = await queue.add({ id, clientKey: 'c4', options: { seed: 1 } }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(isQueueRejection(error), String(error));
      assert.equal(error.code, 'QUEUE_FULL');
      assert.ok(error.retryAfterSeconds >= 1);
      assert.equal(await queue.get(id), undefined);
      const stats = await queue.stats();
      assert.equal(stats.queued, 2);
      assert.equal(stats.running, 1);
      assert.equal(stats.capacity, 2);
    });

    test('one client gets at most maxPerClient jobs at once; others are unaffected', async () => {
      const queue = await setUp({ concurrency: 1, maxPerClient: 2 });
      const a = await add(queue, 'gate', 'greedy');
      await waitFor(() => control.isWaiting(a.id), 'first job running');
      const b = await add(queue, 'gate', 'greedy');
      const error = await add(queue, '', 'greedy').then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(isQueueRejection(error));
      assert.equal(error.code, 'CLIENT_LIMIT');
      await add(queue, '', 'polite'); // someone else still gets in
      control.release(a.id);
      control.release(b.id);
      await until(queue, b.id, 'done');
      await add(queue, '', 'greedy'); // slots come back once jobs finish
    });

    test('bad-input failures are final: failed with the code, one attempt', async () => {
      const queue = await setUp();
      const { id } = await add(queue, 'fail:CORRUPT_IMAGE');
      await until(queue, id, 'failed');
      const record = (await queue.get(id))!;
      assert.equal(record.error?.code, 'CORRUPT_IMAGE');
      assert.match(record.error!.message, /planned CORRUPT_IMAGE/);
      assert.equal(control.calls.filter((c) => c.id === id).length, 1);
    });

    test('INTERNAL failures are retried and can then succeed', async () => {
      const queue = await setUp();
      const { id } = await add(queue, 'fail-once:INTERNAL');
      await until(queue, id, 'done');
      assert.deepEqual(
        control.calls.filter((c) => c.id === id).map((c) => c.attempt),
        [1, 2],
      );
      assert.equal((await queue.get(id))?.attempts, 2);
    });

    test('removing a waiting job means it never runs; removing a running one aborts it', async () => {
      const queue = await setUp({ concurrency: 1 });
      const a = await add(queue, 'gate');
      await waitFor(() => control.isWaiting(a.id), 'first job running');
      const b = await add(queue, 'gate');
      assert.equal(await queue.remove(b.id), true);
      assert.equal(await queue.get(b.id), undefined);
      assert.equal(await queue.remove(a.id), true);
      assert.equal(await queue.get(a.id), undefined);
      await waitFor(() => control.aborted.has(a.id), 'running job aborted');
      const c = await add(queue);
      await until(queue, c.id, 'done');
      assert.ok(!control.calls.some((call) => call.id === b.id), 'the removed waiting job never ran');
      assert.equal(await queue.remove(newJobId()), false);
      assert.equal(await queue.get(newJobId()), undefined);
    });

    test('progress shows on the running record and reaches subscribers, including "*"', async () => {
      const queue = await setUp();
      const mine: JobEvent[] = [];
      const all: JobEvent[] = [];
      queue.subscribe('*', (e) => all.push(e));
      // Ids are the caller's, so one can subscribe before the job exists and miss nothing.
      const a = { id: newJobId() };
      queue.subscribe(a.id, (e) => mine.push(e));
      await queue.add({ id: a.id, clientKey: 'client-a', options: { seed: 1, prompt: 'gate' } });
      await waitFor(() => control.isWaiting(a.id), 'job running');
      const record = await waitFor(async () => {
        const r = await queue.get(a.id);
        return r?.progress ? r : undefined;
      }, 'progress on the record');
      assert.equal(record.state, 'running');
      assert.deepEqual(record.progress, { stage: 'stylize', progress: 0.5 });
      control.release(a.id);
      const b = await add(queue);
      await until(queue, b.id, 'done');
      await waitFor(() => mine.some((e) => e.type === 'done'), 'own done event');
      await waitFor(() => all.filter((e) => e.type === 'done').length === 2, 'both done events on "*"');
      assert.ok(mine.every((e) => e.id === a.id));
      assert.ok(mine.some((e) => e.type === 'progress' && e.stage === 'stylize'));
    });

    test('stats count jobs by state', async () => {
      const queue = await setUp({ concurrency: 1 });
      const a = await add(queue, 'gate');
      await waitFor(() => control.isWaiting(a.id), 'job running');
      const failed = await add(queue, 'fail:EMPTY_INPUT');
      let stats = await queue.stats();
      assert.equal(stats.running, 1);
      assert.equal(stats.queued, 1);
      control.release(a.id);
      await until(queue, failed.id, 'failed');
      stats = await queue.stats();
      assert.equal(stats.done, 1);
      assert.equal(stats.failed, 1);
      assert.equal(stats.queued + stats.running, 0);
    });
  });
}
