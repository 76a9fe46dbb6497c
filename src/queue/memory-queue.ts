/**
 * In-process JobQueue: a FIFO line with a hard capacity, a per-client share, a fixed number of jobs
 * running at once and finished records kept for a retention time. The processor is expected to do
 * its heavy work off this thread (see worker-pool.ts); this module only does bookkeeping.
 *
 * With a journal, every state change is written down (add() resolves only once the record is on
 * disk), so a restart loses nothing: queued jobs wait again, a job running at a crash runs again
 * (up to `attempts` in all), and a job stopped by a shutdown goes back to the line.
 */
import { AnimeMeError } from '../errors.js';
import { createJobListeners } from './job-listeners.js';
import { hashClientKey } from './client-key.js';
import type { JobJournal, JournalEntry } from './journal.js';
import { isRetryable, shutdownAbort, toJobError } from './retry.js';
import {
  QueueRejection,
  type AddJobRequest,
  type JobListener,
  type JobProcessor,
  type JobQueue,
  type JobRecord,
  type QueueStats,
} from './types.js';

export interface MemoryQueueOptions {
  processor: JobProcessor;
  /** Jobs running at once; match it to the processor's worker pool size. */
  concurrency: number;
  /** Most jobs waiting (not counting running ones). */
  capacity: number;
  /** Most jobs one client may have waiting or running. */
  maxPerClient: number;
  /** How long finished jobs stay readable. */
  retentionMs: number;
  /** Attempts per job for retryable failures (default 2: one retry after a crashed worker thread). */
  attempts?: number;
  /** Rough seconds one job takes, for Retry-After hints before any job has finished (default 10). */
  typicalJobSeconds?: number;
  /** Durable records (see journal.ts); without one, queued jobs are failed on close. */
  journal?: JobJournal;
  /** Records loaded from the journal at start-up (journal.load()), resumed by this queue. */
  restored?: JournalEntry[];
  /** Journal write failures after add() (logged; the job itself goes on). */
  onError?: (error: unknown) => void;
  now?: () => number;
}

interface Entry {
  record: JobRecord;
  /** Hashed (client-key.ts): only compared, never shown or stored in clear. */
  clientKey: string;
  controller?: AbortController;
  settled?: Promise<void>;
  /** The journal writes of this job, in order (a late write must never undo a later one). */
  saving?: Promise<void>;
  /** Its webhook delivery has been claimed (once per job). */
  webhookClaimed?: boolean;
}

export function createMemoryQueue(options: MemoryQueueOptions): JobQueue {
  const { processor, concurrency, capacity, maxPerClient, retentionMs, journal } = options;
  const attempts = options.attempts ?? 2;
  const now = options.now ?? Date.now;
  const onError = options.onError ?? (() => undefined);
  const jobs = new Map<string, Entry>();
  const waiting: string[] = [];
  const jobListeners = createJobListeners();
  let running = 0;
  let closed = false;
  /** Set when close() stops running jobs: they go back to the line (journal) instead of failing. */
  let stopping = false;
  let averageRunMs = (options.typicalJobSeconds ?? 10) * 1000;

  /** Write the record as it is now, after the job's earlier writes; resolves (or rejects) with this write. */
  function persist(entry: Entry): Promise<void> {
    if (!journal) return Promise.resolve();
    const snapshot: JournalEntry = { record: structuredClone(entry.record), clientKey: entry.clientKey };
    const write = (entry.saving ?? Promise.resolve()).then(() => journal.save(snapshot));
    entry.saving = write.catch(onError);
    return write;
  }

  function forgetRecord(entry: Entry) {
    if (!journal) return;
    entry.saving = (entry.saving ?? Promise.resolve()).then(() => journal.delete(entry.record.id)).catch(onError);
  }

  const emit = jobListeners.emit;

  const retryAfter = () => (averageRunMs / 1000) * (1 + waiting.length / Math.max(1, concurrency));

  function announcePositions() {
    waiting.forEach((id, index) => {
      const entry = jobs.get(id);
      if (!entry) return;
      entry.record.position = index + 1;
      emit({ type: 'position', id, position: index + 1 });
    });
  }

  function pump() {
    while (!closed && running < concurrency && waiting.length > 0) {
      const id = waiting.shift()!;
      const entry = jobs.get(id);
      if (!entry) continue;
      running++;
      entry.settled = runJob(entry).finally(() => {
        running--;
        entry.controller = undefined;
        pump();
      });
      announcePositions();
    }
  }

  async function runJob(entry: Entry): Promise<void> {
    const { record } = entry;
    for (;;) {
      const controller = new AbortController();
      entry.controller = controller;
      record.state = 'running';
      delete record.position;
      record.attempts++;
      record.startedAt = now();
      void persist(entry).catch(() => undefined); // a crash from here on counts this attempt
      emit({ type: 'running', id: record.id, attempt: record.attempts });
      const started = performance.now();
      try {
        const outcome = await processor(
          { id: record.id, options: record.options, attempt: record.attempts },
          {
            signal: controller.signal,
            onProgress: (event) => {
              if (controller.signal.aborted) return;
              record.progress = { stage: event.stage, progress: event.progress };
              emit({ type: 'progress', id: record.id, stage: event.stage, progress: event.progress });
            },
          },
        );
        if (!jobs.has(record.id)) return; // removed while running
        averageRunMs = averageRunMs * 0.7 + (performance.now() - started) * 0.3;
        record.state = 'done';
        record.outcome = outcome;
        record.finishedAt = now();
        delete record.progress;
        await persist(entry).catch(() => undefined);
        emit({ type: 'done', id: record.id, outcome });
        return;
      } catch (error) {
        if (!jobs.has(record.id)) return;
        if (stopping && journal && controller.signal.aborted) {
          // Shut down mid-job: back to the line on disk; the next start runs it again (G13).
          record.state = 'queued';
          delete record.progress;
          delete record.startedAt;
          await persist(entry).catch(() => undefined);
          return;
        }
        if (!controller.signal.aborted && isRetryable(error) && record.attempts < attempts && !closed) continue;
        record.state = 'failed';
        record.error = controller.signal.aborted ? { code: 'CANCELLED', message: 'The job was cancelled.' } : toJobError(error);
        record.finishedAt = now();
        delete record.progress;
        await persist(entry).catch(() => undefined);
        emit({ type: 'failed', id: record.id, error: record.error });
        return;
      }
    }
  }

  function prune() {
    const cutoff = now() - retentionMs;
    for (const [id, entry] of jobs) {
      const finishedAt = entry.record.finishedAt;
      if (finishedAt !== undefined && finishedAt < cutoff) {
        jobs.delete(id);
        forgetRecord(entry);
        emit({ type: 'removed', id });
      }
    }
  }
  const pruneTimer = setInterval(prune, Math.max(250, Math.min(60_000, Math.floor(retentionMs / 4))));
  pruneTimer.unref();

  const snapshot = (record: JobRecord): JobRecord => structuredClone(record);

  // Resume what the journal remembers: finished jobs stay readable, queued ones wait in their old
  // order, and a job that was running when the process died runs again unless it used up its attempts.
  for (const restored of options.restored ?? []) {
    if (jobs.has(restored.record.id)) continue;
    const record: JobRecord = structuredClone(restored.record);
    const entry: Entry = { record, clientKey: restored.clientKey };
    jobs.set(record.id, entry);
    if (record.state === 'running') {
      if (record.attempts >= attempts) {
        record.state = 'failed';
        record.error = { code: 'INTERNAL', message: 'The service stopped while running this job too many times.' };
        record.finishedAt = now();
        void persist(entry).catch(() => undefined);
        continue;
      }
      record.state = 'queued';
      delete record.startedAt;
    }
    if (record.state === 'queued') waiting.push(record.id);
  }
  if (waiting.length > 0) {
    waiting.forEach((id, index) => (jobs.get(id)!.record.position = index + 1));
    queueMicrotask(pump);
  }

  return {
    kind: 'memory',
    async add({ id, clientKey: rawClientKey, options: jobOptions, webhook }) {
      if (closed) throw new AnimeMeError('CANCELLED', 'The queue is shutting down.');
      if (jobs.has(id)) throw new AnimeMeError('INVALID_ARGUMENT', 'A job with this id already exists.');
      const clientKey = hashClientKey(rawClientKey);
      let mine = 0;
      for (const entry of jobs.values()) {
        if (entry.clientKey === clientKey && (entry.record.state === 'queued' || entry.record.state === 'running')) mine++;
      }
      if (mine >= maxPerClient) {
        throw new QueueRejection('CLIENT_LIMIT', `You already have ${mine} photo(s) in progress; wait for one to finish.`, averageRunMs / 1000);
      }
      if (waiting.length >= capacity) {
        throw new QueueRejection('QUEUE_FULL', 'Too many photos are waiting right now; try again shortly.', retryAfter());
      }
      const record: JobRecord = { id, state: 'queued', position: waiting.length + 1, options: jobOptions, createdAt: now(), attempts: 0, ...(webhook ? { webhook: { ...webhook } } : {}) };
      const entry: Entry = { record, clientKey };
      jobs.set(id, entry);
      waiting.push(id);
      try {
        // Durable before the 202: a crash after this line still runs the job on the next start.
        await persist(entry);
      } catch (error) {
        jobs.delete(id);
        const at = waiting.indexOf(id);
        if (at >= 0) waiting.splice(at, 1);
        throw error;
      }
      if (!jobs.has(id)) return { position: 0 }; // removed while its record was being written
      const position = Math.max(1, waiting.indexOf(id) + 1);
      emit({ type: 'queued', id, position });
      queueMicrotask(pump);
      return { position };
    },
    async get(id) {
      prune();
      const entry = jobs.get(id);
      return entry ? snapshot(entry.record) : undefined;
    },
    async remove(id) {
      const entry = jobs.get(id);
      if (!entry) return false;
      jobs.delete(id);
      forgetRecord(entry);
      const at = waiting.indexOf(id);
      if (at >= 0) {
        waiting.splice(at, 1);
        announcePositions();
      }
      entry.controller?.abort(new AnimeMeError('CANCELLED', 'The job was deleted.'));
      emit({ type: 'removed', id });
      return true;
    },
    subscribe: jobListeners.subscribe,
    async claimWebhook(id) {
      const entry = jobs.get(id);
      const hook = entry?.record.webhook;
      if (!entry || !hook || entry.webhookClaimed || hook.delivery) return false;
      entry.webhookClaimed = true;
      hook.delivery = { state: 'pending', attempts: 0 };
      return true;
    },
    async unclaimedWebhooks(olderThanMs) {
      const cutoff = now() - olderThanMs;
      const ids: string[] = [];
      for (const [id, entry] of jobs) {
        const { record } = entry;
        const finished = record.state === 'done' || record.state === 'failed';
        if (finished && record.webhook && !record.webhook.delivery && !entry.webhookClaimed && (record.finishedAt ?? 0) <= cutoff) ids.push(id);
      }
      return ids.reverse().slice(0, 200);
    },
    async recordWebhook(id, delivery) {
      const entry = jobs.get(id);
      if (!entry?.record.webhook) return;
      entry.record.webhook.delivery = { ...delivery };
      await persist(entry).catch(() => undefined);
    },
    async stats(): Promise<QueueStats> {
      const counts = { queued: 0, running: 0, done: 0, failed: 0 };
      for (const entry of jobs.values()) counts[entry.record.state]++;
      return { ...counts, capacity, concurrency };
    },
    async close(graceMs) {
      if (closed) return;
      closed = true;
      clearInterval(pruneTimer);
      const flush = () => Promise.allSettled([...jobs.values()].map((e) => e.saving));
      if (journal) {
        // Queued jobs stay queued on disk and run after the restart.
        waiting.splice(0);
      }
      // Without a journal, queued jobs will never run: fail them so waiting clients hear about it.
      for (const id of waiting.splice(0)) {
        const entry = jobs.get(id);
        if (!entry) continue;
        entry.record.state = 'failed';
        entry.record.error = { code: 'CANCELLED', message: 'The service restarted before this job started; please send it again.' };
        entry.record.finishedAt = now();
        emit({ type: 'failed', id, error: entry.record.error });
      }
      const active = [...jobs.values()].map((e) => e.settled).filter((p): p is Promise<void> => p !== undefined);
      if (graceMs === undefined) {
        await Promise.allSettled(active);
        await flush();
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const result = await Promise.race([Promise.allSettled(active).then(() => 'ok' as const), timedOut]);
      clearTimeout(timer);
      if (result === 'timeout') {
        stopping = true;
        for (const entry of jobs.values()) entry.controller?.abort(journal ? shutdownAbort('The service is shutting down.') : new AnimeMeError('CANCELLED', 'The service is shutting down.'));
        await Promise.allSettled(active);
      }
      await flush();
    },
  };
}
