/**
 * JobQueue on BullMQ (Redis), for scale-out: HTTP servers add jobs with createBullmqQueue, and
 * `anime-me worker` processes run them with createBullmqWorker. Job data is only the options and a
 * hashed client key (bytes live in shared storage under the job id). Cancellation goes to workers
 * over a Redis pub/sub channel; places in line come from the wait list (LPUSH on add, RPOPLPUSH by
 * workers, so position = length − index).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DelayedError, Job, Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { StageName } from '../core/types.js';
import { AnimeMeError, isAnimeMeError } from '../errors.js';
import { createJobListeners } from './job-listeners.js';
import { hashClientKey } from './client-key.js';
import { isRetryable, shutdownAbort, toJobError } from './retry.js';
import {
  isQueueRejection,
  isQueueUnavailable,
  QueueRejection,
  QueueUnavailable,
  type JobError,
  type JobListener,
  type JobOptions,
  type JobOutcome,
  type JobProcessor,
  type JobQueue,
  type JobRecord,
  type JobWebhookTarget,
  type QueueStats,
  type WebhookDelivery,
} from './types.js';

/** Queue name shared by servers and workers. */
export const DEFAULT_QUEUE_NAME = 'anime-me';
/**
 * 3 attempts: a job survives two worker crashes (or stalls) and then fails for good, so a photo
 * that kills workers cannot loop forever (G12).
 */
export const DEFAULT_ATTEMPTS = 3;
/**
 * Lock 30 s (BullMQ's default): the worker's event loop stays free (inference runs in threads), so
 * renewals every 15 s are never late; a SIGKILLed worker's job is picked up 30–60 s later.
 */
export const DEFAULT_LOCK_MS = 30_000;
/**
 * 3 s for one queue operation (a few Redis round trips): far above a healthy Redis's milliseconds,
 * short enough that a client sees 503 QUEUE_UNAVAILABLE rather than a hanging request.
 */
export const DEFAULT_OPERATION_TIMEOUT_MS = 3000;
/** Seconds a client is told to wait (Retry-After) while Redis is unreachable: about two reconnect attempts. */
const UNAVAILABLE_RETRY_AFTER_S = 5;

interface JobData {
  options: JobOptions;
  /** Where to send the finished-job notice (a URL the client gave; no bytes, no secrets of ours). */
  webhook?: JobWebhookTarget;
  /** sha256 of the client key, truncated: enough for the per-client limit, not an address. */
  client: string;
}

interface ProgressData {
  stage: StageName;
  progress: number;
}

export interface BullmqConnectionOptions {
  redisUrl: string;
  queueName?: string;
  /** Redis key prefix (default "bull"). */
  prefix?: string;
}

export interface BullmqQueueOptions extends BullmqConnectionOptions {
  capacity: number;
  maxPerClient: number;
  /** Finished jobs (and their records in Redis) are kept this long. */
  retentionMs: number;
  attempts?: number;
  /** Rough seconds per job for Retry-After hints (default 10). */
  typicalJobSeconds?: number;
  /** Poll interval for places in line of watched queued jobs (default 1 s). */
  positionPollMs?: number;
  /** Longest wait for Redis in one operation before answering QUEUE_UNAVAILABLE (default 3 s). */
  operationTimeoutMs?: number;
  /** Connection problems (Redis down, reconnecting), for the log; they never throw out of the queue. */
  onError?: (error: Error) => void;
}

const keyOf = (options: BullmqConnectionOptions) => ({
  name: options.queueName ?? DEFAULT_QUEUE_NAME,
  prefix: options.prefix ?? 'bull',
});
const cancelChannel = (prefix: string, name: string) => `${prefix}:${name}:anime-me:cancel`;
const cancelledKey = (prefix: string, name: string, id: string) => `${prefix}:${name}:anime-me:cancelled:${id}`;
const clientKeyOf = (prefix: string, name: string, client: string) => `${prefix}:${name}:anime-me:client:${client}`;
const workersKey = (prefix: string, name: string) => `${prefix}:${name}:anime-me:workers`;
/** A job's webhook delivery: created by the one server that claims it (SET NX), then its outcome. */
const webhookKey = (prefix: string, name: string, id: string) => `${prefix}:${name}:anime-me:webhook:${id}`;

/**
 * Reconnect every 0.2–2 s while Redis is away. BullMQ's own default backs off to 20 s, so after a
 * Redis restart the service would stay unavailable for up to 20 s longer than Redis itself.
 */
const retryStrategy = (times: number) => Math.min(200 * times, 2000);

/** The URL without its password, for messages. */
function redactUrl(redisUrl: string): string {
  try {
    const url = new URL(redisUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'the configured URL';
  }
}

/**
 * BullMQ is given connection options rather than ioredis instances, so it owns (and closes) its
 * connections; workers need maxRetriesPerRequest null (BullMQ's production advice). A producer
 * (`failFast`) instead fails commands at once while Redis is away, as BullMQ advises for queues
 * that serve HTTP requests, so callers can answer 503 instead of waiting.
 */
function connectionOptions(redisUrl: string, failFast = false) {
  const url = new URL(redisUrl);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined;
  return {
    host: url.hostname || '127.0.0.1',
    port: url.port ? Number(url.port) : 6379,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    retryStrategy,
    ...(failFast ? { maxRetriesPerRequest: 1, enableOfflineQueue: false } : { maxRetriesPerRequest: null }),
  };
}

/** Errors cross Redis as "CODE: message" (BullMQ keeps only the message). */
function encodeError(error: JobError): string {
  return `${error.code}: ${error.message}`;
}
function decodeError(reason: string | undefined): JobError {
  const match = /^([A-Z_]+): ([\s\S]*)$/.exec(reason ?? '');
  if (match) return { code: match[1], message: match[2] };
  // BullMQ's own reasons, e.g. "job stalled more than allowable limit".
  return { code: 'INTERNAL', message: reason || 'The job failed.' };
}

function parseValue<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

export async function createBullmqQueue(options: BullmqQueueOptions): Promise<JobQueue> {
  const { name, prefix } = keyOf(options);
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const retentionS = Math.max(1, Math.ceil(options.retentionMs / 1000));
  const operationTimeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  const onError = options.onError ?? (() => undefined);
  // Producers fail fast when Redis is away (enableOfflineQueue false) instead of piling up commands.
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true, retryStrategy });
  // Without 'error' listeners a lost connection would be an unhandled 'error' event: a crash.
  redis.on('error', onError);
  try {
    await redis.connect();
  } catch (error) {
    // At start-up a missing Redis is a configuration problem: say so and leave nothing retrying
    // in the background (which would keep a failed `anime-me serve` process alive).
    redis.disconnect();
    throw new QueueUnavailable(`Cannot reach Redis at ${redactUrl(options.redisUrl)}: ${(error as Error).message}`, UNAVAILABLE_RETRY_AFTER_S, { cause: error });
  }
  const queue = new Queue<JobData, JobOutcome>(name, {
    connection: connectionOptions(options.redisUrl, true),
    prefix,
  });
  queue.on('error', onError);
  const events = new QueueEvents(name, { connection: connectionOptions(options.redisUrl), prefix });
  events.on('error', onError);
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  const waitKey = queue.keys['wait'];
  const jobListeners = createJobListeners();
  const lastPosition = new Map<string, number>();
  let typicalMs = (options.typicalJobSeconds ?? 10) * 1000;
  let closed = false;

  const emit = jobListeners.emit;
  // Only a job's own subscribers (an SSE stream, a waiting A1111 call) make it worth polling its place
  // in line; '*' subscribers (metrics) do not.
  const watched = jobListeners.watched;

  async function positionOf(id: string): Promise<number | undefined> {
    const [index, length] = (await redis.multi().lpos(waitKey, id).llen(waitKey).exec()) ?? [];
    const at = index?.[1];
    const len = length?.[1];
    return typeof at === 'number' && typeof len === 'number' ? len - at : undefined;
  }

  /** Every waiting job's place in line from one read of the wait list (bounded by the capacity). */
  async function allPositions(): Promise<Map<string, number>> {
    const ids = await redis.lrange(waitKey, 0, -1);
    return new Map(ids.map((id, index) => [id, ids.length - index]));
  }

  events.on('active', ({ jobId }) => {
    if (!watched(jobId)) return;
    lastPosition.delete(jobId);
    Job.fromId<JobData, JobOutcome>(queue, jobId).then(
      (job) => emit({ type: 'running', id: jobId, attempt: job?.attemptsStarted ?? 1 }),
      () => emit({ type: 'running', id: jobId, attempt: 1 }), // Redis hiccup: the attempt number is cosmetic
    );
  });
  events.on('progress', ({ jobId, data }) => {
    const p = data as unknown as ProgressData;
    if (p && typeof p === 'object' && typeof p.stage === 'string') emit({ type: 'progress', id: jobId, stage: p.stage, progress: p.progress });
  });
  events.on('completed', ({ jobId, returnvalue }) => {
    const outcome = parseValue<JobOutcome>(returnvalue);
    typicalMs = typicalMs * 0.7 + outcome.runMs * 0.3;
    emit({ type: 'done', id: jobId, outcome });
  });
  events.on('failed', ({ jobId, failedReason }) => emit({ type: 'failed', id: jobId, error: decodeError(failedReason) }));
  events.on('removed', ({ jobId }) => emit({ type: 'removed', id: jobId }));

  // Places in line change as other jobs start; poll them for queued jobs someone is watching.
  let polling = false;
  const poll = setInterval(() => {
    for (const id of lastPosition.keys()) if (!watched(id)) lastPosition.delete(id);
    if (lastPosition.size === 0 || polling) return;
    polling = true;
    allPositions()
      .then((positions) => {
        for (const [id, last] of lastPosition) {
          const position = positions.get(id);
          if (position === undefined) lastPosition.delete(id); // started, or gone
          else if (position !== last) {
            lastPosition.set(id, position);
            emit({ type: 'position', id, position });
          }
        }
      })
      .catch(() => undefined)
      .finally(() => {
        polling = false;
      });
  }, options.positionPollMs ?? 1000);
  poll.unref();

  /**
   * Every operation the server awaits goes through here: it fails at once while the producer
   * connection is down, and after operationTimeoutMs otherwise, as QueueUnavailable (503), never as
   * a hang or an internal error. Rejections (429) and library errors pass through unchanged.
   */
  async function guard<T>(work: () => Promise<T>): Promise<T> {
    if (redis.status !== 'ready') throw new QueueUnavailable('The job queue is unavailable right now (Redis is not reachable); try again shortly.', UNAVAILABLE_RETRY_AFTER_S);
    let timer: NodeJS.Timeout | undefined;
    const pending = work();
    pending.catch(() => undefined); // may settle after the timeout; nobody listens then
    try {
      return await Promise.race([
        pending,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`Redis did not answer within ${operationTimeoutMs} ms`)), operationTimeoutMs);
        }),
      ]);
    } catch (error) {
      if (isQueueRejection(error) || isQueueUnavailable(error) || isAnimeMeError(error)) throw error;
      onError(error instanceof Error ? error : new Error(String(error)));
      throw new QueueUnavailable('The job queue is unavailable right now (Redis is not answering); try again shortly.', UNAVAILABLE_RETRY_AFTER_S, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  async function stats(): Promise<QueueStats> {
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
    const workers = await redis.hgetall(workersKey(prefix, name));
    const now = Date.now();
    let concurrency = 0;
    for (const value of Object.values(workers)) {
      const w = JSON.parse(value) as { concurrency: number; at: number };
      if (now - w.at < 30_000) concurrency += w.concurrency;
    }
    return {
      queued: (counts['waiting'] ?? 0) + (counts['prioritized'] ?? 0) + (counts['delayed'] ?? 0),
      running: counts['active'] ?? 0,
      done: counts['completed'] ?? 0,
      failed: counts['failed'] ?? 0,
      capacity: options.capacity,
      concurrency,
    };
  }

  /** Jobs of this client still waiting or running; ids of finished or vanished jobs are dropped. */
  async function activeJobsOf(client: string): Promise<number> {
    const key = clientKeyOf(prefix, name, client);
    const ids = await redis.smembers(key);
    let active = 0;
    for (const id of ids) {
      const finishedOn = await redis.hget(`${prefix}:${name}:${id}`, 'finishedOn');
      const exists = finishedOn !== null || (await redis.exists(`${prefix}:${name}:${id}`)) === 1;
      if (!exists || finishedOn !== null) await redis.srem(key, id);
      else active++;
    }
    return active;
  }

  async function toRecord(loaded: Job<JobData, JobOutcome>): Promise<JobRecord | undefined> {
    if (await redis.exists(cancelledKey(prefix, name, loaded.id!))) return undefined;
    let job = loaded;
    const state = await job.getState();
    // The job's fields were read before its state: a job that finished in between reads as
    // completed (or failed) without its result, so read it again once the state says it ended.
    if ((state === 'completed' || state === 'failed') && !job.finishedOn) {
      job = (await Job.fromId<JobData, JobOutcome>(queue, loaded.id!)) ?? loaded;
    }
    let webhook: JobRecord['webhook'];
    if (job.data.webhook) {
      const stored = await redis.get(webhookKey(prefix, name, job.id!));
      webhook = { ...job.data.webhook, ...(stored ? { delivery: JSON.parse(stored) as WebhookDelivery } : {}) };
    }
    const base = {
      id: job.id!,
      options: job.data.options,
      ...(webhook ? { webhook } : {}),
      createdAt: job.timestamp,
      attempts: job.attemptsStarted ?? job.attemptsMade,
      ...(job.processedOn ? { startedAt: job.processedOn } : {}),
    };
    switch (state) {
      case 'completed':
        return { ...base, state: 'done', outcome: parseValue<JobOutcome>(job.returnvalue), ...(job.finishedOn ? { finishedAt: job.finishedOn } : {}) };
      case 'failed':
        return { ...base, state: 'failed', error: decodeError(job.failedReason), ...(job.finishedOn ? { finishedAt: job.finishedOn } : {}) };
      case 'active': {
        const p = job.progress as unknown as ProgressData | number;
        return { ...base, state: 'running', ...(typeof p === 'object' && p && 'stage' in p ? { progress: { stage: p.stage, progress: p.progress } } : {}) };
      }
      case 'unknown':
        return undefined;
      default: {
        const position = await positionOf(job.id!);
        if (position !== undefined && watched(job.id!)) lastPosition.set(job.id!, position);
        return { ...base, state: 'queued', ...(position !== undefined ? { position } : {}) };
      }
    }
  }

  /**
   * Retention janitor (privacy, G14): removeOnComplete/removeOnFail ages are applied only when some
   * later job finishes, so on a quiet service the last jobs (their options, prompts and analysis)
   * would stay in Redis indefinitely. This removes finished jobs past the retention time, trims the
   * events stream (which repeats results) to the same age, and tells listeners, so the server
   * deletes the files too.
   */
  let cleaning = false;
  async function clean() {
    if (cleaning || closed || redis.status !== 'ready') return;
    cleaning = true;
    try {
      const removed = [...(await queue.clean(options.retentionMs, 1000, 'completed')), ...(await queue.clean(options.retentionMs, 1000, 'failed'))];
      // Stream ids start with their time in ms, so MINID drops exactly the entries older than the TTL.
      await redis.call('XTRIM', queue.keys['events'], 'MINID', String(Date.now() - options.retentionMs));
      for (const id of removed) emit({ type: 'removed', id });
    } catch (error) {
      onError(error instanceof Error ? error : new Error(String(error)));
    } finally {
      cleaning = false;
    }
  }
  const janitor = setInterval(() => void clean(), Math.max(250, Math.min(60_000, Math.floor(options.retentionMs / 4))));
  janitor.unref();

  return {
    kind: 'bullmq',
    add: (request) => guard(() => add(request)),
    get: (id) => guard(() => get(id)),
    remove: (id) => guard(() => remove(id)),
    subscribe,
    stats: () => guard(stats),
    claimWebhook: (id) =>
      guard(async () => {
        const job = await Job.fromId<JobData, JobOutcome>(queue, id);
        if (!job?.data.webhook) return false;
        // SET NX: of all the servers that saw this job end, exactly one gets 'OK'.
        return (await redis.set(webhookKey(prefix, name, id), JSON.stringify({ state: 'pending', attempts: 0 } satisfies WebhookDelivery), 'EX', retentionS, 'NX')) === 'OK';
      }),
    unclaimedWebhooks: (olderThanMs) =>
      guard(async () => {
        const cutoff = Date.now() - olderThanMs;
        // The newest finished jobs only: older ones were either delivered or are about to expire.
        const jobs = await queue.getJobs(['completed', 'failed'], 0, 199, false);
        const candidates = jobs.filter((job) => job?.id && job.data?.webhook && (job.finishedOn ?? Infinity) <= cutoff);
        if (candidates.length === 0) return [];
        const claimed = await redis.mget(...candidates.map((job) => webhookKey(prefix, name, job.id!)));
        const cancelled = await redis.mget(...candidates.map((job) => cancelledKey(prefix, name, job.id!)));
        return candidates.filter((_, i) => claimed[i] === null && cancelled[i] === null).map((job) => job.id!);
      }),
    recordWebhook: (id, delivery) =>
      guard(async () => {
        await redis.set(webhookKey(prefix, name, id), JSON.stringify(delivery), 'EX', retentionS);
      }),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      clearInterval(janitor);
      await events.close().catch(onError);
      await queue.close().catch(onError);
      redis.disconnect();
    },
  };

  async function add({ id, clientKey, options: jobOptions, webhook }: Parameters<JobQueue['add']>[0]) {
    if (closed) throw new AnimeMeError('CANCELLED', 'The queue is shutting down.');
    const client = hashClientKey(clientKey);
    const current = await stats();
    if (current.queued >= options.capacity) {
      throw new QueueRejection('QUEUE_FULL', 'Too many photos are waiting right now; try again shortly.', (typicalMs / 1000) * (1 + current.queued / Math.max(1, current.concurrency)));
    }
    const mine = await activeJobsOf(client);
    if (mine >= options.maxPerClient) {
      throw new QueueRejection('CLIENT_LIMIT', `You already have ${mine} photo(s) in progress; wait for one to finish.`, typicalMs / 1000);
    }
    await queue.add('photo', { options: jobOptions, client, ...(webhook ? { webhook } : {}) }, {
      jobId: id,
      attempts,
      backoff: { type: 'fixed', delay: 1000 },
      removeOnComplete: { age: retentionS },
      removeOnFail: { age: retentionS },
    });
    const clientKeyName = clientKeyOf(prefix, name, client);
    await redis.multi().sadd(clientKeyName, id).expire(clientKeyName, retentionS).exec();
    const position = (await positionOf(id)) ?? 0;
    lastPosition.set(id, position);
    emit({ type: 'queued', id, position });
    return { position };
  }

  async function get(id: string): Promise<JobRecord | undefined> {
    const job = await Job.fromId<JobData, JobOutcome>(queue, id);
    return job ? toRecord(job) : undefined;
  }

  async function remove(id: string): Promise<boolean> {
    const job = await Job.fromId<JobData, JobOutcome>(queue, id);
    if (!job || (await redis.exists(cancelledKey(prefix, name, id)))) return false;
    // Mark first (so it reads as gone at once), then tell workers, then try to delete the record;
    // an active job's record is deleted by its worker once the run has stopped.
    await redis.set(cancelledKey(prefix, name, id), '1', 'EX', retentionS);
    await redis.publish(cancelChannel(prefix, name), id);
    await job.remove().catch(() => undefined);
    await redis.srem(clientKeyOf(prefix, name, job.data.client), id);
    lastPosition.delete(id);
    emit({ type: 'removed', id });
    return true;
  }

  function subscribe(id: string, listener: JobListener): () => void {
    return jobListeners.subscribe(id, listener);
  }
}

export interface BullmqWorkerOptions extends BullmqConnectionOptions {
  processor: JobProcessor;
  /** Jobs this worker runs at once (match the pipeline thread pool size). */
  concurrency: number;
  /** Lock time; a crashed worker's job is retried after about this long (default 30 s). */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs of crashed workers (default: the lock time). */
  stalledIntervalMs?: number;
  /** Stalls (crashes) a job may survive before it fails (default: attempts − 1 = 2). */
  maxStalledCount?: number;
  onError?: (error: Error) => void;
  /** Job start/finish notices, for the worker's log. */
  onActivity?: (event: { type: 'started' | 'completed' | 'failed'; jobId: string; attempt: number; detail?: string }) => void;
}

export interface BullmqWorker {
  readonly id: string;
  /** Stop taking jobs; running ones get `graceMs` to finish, then go back to the queue for another worker. */
  close(graceMs?: number): Promise<void>;
}

/** Progress writes go to Redis and its event stream: at most a few per second per job. */
const PROGRESS_INTERVAL_MS = 250;

export async function createBullmqWorker(options: BullmqWorkerOptions): Promise<BullmqWorker> {
  const { name, prefix } = keyOf(options);
  const id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const lockDuration = options.lockDurationMs ?? DEFAULT_LOCK_MS;
  const controllers = new Map<string, AbortController>();
  let shuttingDown = false;

  const onError = options.onError ?? (() => undefined);
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null, retryStrategy });
  const subscriber = new Redis(options.redisUrl, { maxRetriesPerRequest: null, retryStrategy });
  // A Redis outage is logged and waited out (the connections reconnect), never an unhandled 'error' event.
  redis.on('error', onError);
  subscriber.on('error', onError);
  await subscriber.subscribe(cancelChannel(prefix, name));
  subscriber.on('message', (_channel, jobId: string) => controllers.get(jobId)?.abort(new AnimeMeError('CANCELLED', 'The job was deleted.')));

  const worker = new Worker<JobData, JobOutcome>(
    name,
    async (job, token) => {
      const jobId = job.id!;
      if (await redis.exists(cancelledKey(prefix, name, jobId))) throw new UnrecoverableError('CANCELLED: The job was deleted.');
      const controller = new AbortController();
      controllers.set(jobId, controller);
      let lastSent = 0;
      let lastStage = '';
      try {
        return await options.processor(
          { id: jobId, options: job.data.options, attempt: job.attemptsStarted ?? job.attemptsMade + 1 },
          {
            signal: controller.signal,
            onProgress: (event) => {
              const now = Date.now();
              if (event.stage === lastStage && event.progress < 1 && now - lastSent < PROGRESS_INTERVAL_MS) return;
              lastStage = event.stage;
              lastSent = now;
              job.updateProgress({ stage: event.stage, progress: event.progress } satisfies ProgressData).catch(() => undefined);
            },
          },
        );
      } catch (error) {
        if (shuttingDown && controller.signal.aborted && !(await redis.exists(cancelledKey(prefix, name, jobId)))) {
          // Shutting down, not cancelled: hand the job back untouched for another worker (G13).
          await job.moveToDelayed(Date.now(), token);
          throw new DelayedError();
        }
        const jobError = toJobError(error);
        if (isRetryable(error)) throw new Error(encodeError(jobError));
        throw new UnrecoverableError(encodeError(jobError));
      } finally {
        controllers.delete(jobId);
      }
    },
    {
      connection: connectionOptions(options.redisUrl),
      prefix,
      concurrency: options.concurrency,
      lockDuration,
      stalledInterval: options.stalledIntervalMs ?? lockDuration,
      maxStalledCount: options.maxStalledCount ?? DEFAULT_ATTEMPTS - 1,
      autorun: true,
    },
  );
  worker.on('error', onError);
  worker.on('active', (job) => options.onActivity?.({ type: 'started', jobId: job.id!, attempt: job.attemptsStarted }));
  worker.on('completed', (job) => options.onActivity?.({ type: 'completed', jobId: job.id!, attempt: job.attemptsStarted }));
  worker.on('failed', (job, error) => job && options.onActivity?.({ type: 'failed', jobId: job.id!, attempt: job.attemptsStarted, detail: error.message }));
  // A cancelled job ends as failed (CANCELLED); its record goes now rather than at retention time.
  worker.on('failed', (job) => {
    if (job && job.failedReason?.startsWith('CANCELLED:')) void job.remove().catch(() => undefined);
  });
  await worker.waitUntilReady();

  // Advertise this worker's concurrency so servers can show jobs-at-once and estimate waits.
  const advertise = () =>
    redis.hset(workersKey(prefix, name), id, JSON.stringify({ concurrency: options.concurrency, at: Date.now() })).catch(() => undefined);
  await advertise();
  const heartbeat = setInterval(() => void advertise(), 10_000);
  heartbeat.unref();

  let closing: Promise<void> | undefined;
  return {
    id,
    close: (graceMs) =>
      (closing ??= (async () => {
        clearInterval(heartbeat);
        await redis.hdel(workersKey(prefix, name), id).catch(() => undefined);
        const closed = worker.close(); // stops fetching, waits for running jobs
        if (graceMs !== undefined) {
          let timer: NodeJS.Timeout | undefined;
          const late = await Promise.race([
            closed.then(() => false),
            new Promise<boolean>((resolve) => {
              timer = setTimeout(() => resolve(true), graceMs);
            }),
          ]);
          clearTimeout(timer);
          if (late) {
            shuttingDown = true;
            for (const controller of controllers.values()) controller.abort(shutdownAbort('The worker is shutting down.'));
          }
        }
        await closed;
        await subscriber.quit().catch(() => undefined);
        await redis.quit().catch(() => undefined);
      })()),
  };
}
