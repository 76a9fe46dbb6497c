/**
 * Wiring of the whole service for `anime-me serve`: storage + TTL sweeper, then either the in-process
 * queue with a pool of pipeline threads, or (with a Redis URL) the BullMQ producer whose jobs
 * `anime-me worker` processes run; then the HTTP app. `close()` shuts down in the safe order.
 */
import type { FastifyInstance } from 'fastify';
import { createStorageJournal } from '../queue/journal.js';
import { createMemoryQueue } from '../queue/memory-queue.js';
import { createPipelineProcessor } from '../queue/pipeline-processor.js';
import type { JobQueue } from '../queue/types.js';
import { createWorkerPool, type WorkerPool } from '../queue/worker-pool.js';
import { createLocalStorage } from '../storage/local-storage.js';
import type { BlobStorage } from '../storage/storage.js';
import { startSweeper } from '../storage/sweeper.js';
import { createApp } from './app.js';
import { resolveServerConfig, type ServerConfig, type ServerConfigOptions } from './config.js';

export interface ServiceOptions extends ServerConfigOptions {
  /** Fastify logger setting (default off). */
  logger?: boolean | Record<string, unknown>;
  /** Stand-in pipeline module for the worker threads (tests); default: the real Node pipeline. */
  pipelineModule?: string;
  pipelineOptions?: Record<string, unknown>;
  /** DNS for webhooks (tests); default: the system resolver. */
  dnsLookup?: typeof import('node:dns').lookup;
  /** Use these instead of building them (tests, embedding). */
  storage?: BlobStorage;
  queue?: JobQueue;
  env?: Record<string, string | undefined>;
}

export interface Service {
  app: FastifyInstance;
  config: ServerConfig;
  queue: JobQueue;
  storage: BlobStorage;
  pool: WorkerPool | undefined;
  /** http://host:port once listening. */
  url: string;
  close(): Promise<void>;
}

/** Background problems (Redis reconnecting, a journal write) repeat; one line per kind per 10 s is enough. */
function createThrottledWarn(getApp: () => FastifyInstance | undefined) {
  const last = new Map<string, number>();
  return (what: string) => (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    const key = `${what}: ${message}`;
    const now = Date.now();
    if (now - (last.get(key) ?? 0) < 10_000) return;
    last.set(key, now);
    if (last.size > 100) last.clear();
    getApp()?.log.warn({ err: { message } }, what);
  };
}

export async function startService(options: ServiceOptions = {}): Promise<Service> {
  const config = resolveServerConfig(options, options.env ?? process.env);
  const storage = options.storage ?? createLocalStorage({ dir: config.dataDir });
  const sweeper = startSweeper(storage, { ttlMs: config.resultTtlMs });
  let appRef: FastifyInstance | undefined;
  const warn = createThrottledWarn(() => appRef);

  let pool: WorkerPool | undefined;
  let queue = options.queue;
  if (!queue && config.redisUrl) {
    const { createBullmqQueue } = await import('../queue/bullmq-queue.js');
    queue = await createBullmqQueue({
      redisUrl: config.redisUrl,
      capacity: config.queueCapacity,
      maxPerClient: config.maxPerClient,
      retentionMs: config.resultTtlMs,
      onError: warn('job queue (Redis)'),
    });
  }
  if (!queue) {
    pool = createWorkerPool({
      ...(config.concurrency !== undefined ? { size: config.concurrency } : {}),
      timeoutMs: config.jobTimeoutMs,
      ...(options.pipelineModule ? { pipelineModule: options.pipelineModule } : {}),
      ...(options.pipelineOptions ? { pipelineOptions: options.pipelineOptions } : {}),
    });
    // Job records live next to the uploads, so queued jobs survive a restart or a crash (G8).
    const journal = createStorageJournal(storage);
    queue = createMemoryQueue({
      processor: createPipelineProcessor({ pool, storage }),
      concurrency: pool.size,
      capacity: config.queueCapacity,
      maxPerClient: config.maxPerClient,
      retentionMs: config.resultTtlMs,
      journal,
      restored: await journal.load(),
      onError: warn('job journal'),
    });
  }
  const workerPool = pool;
  const app = await createApp({
    config,
    queue,
    storage,
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    health: () => (workerPool ? { workers: workerPool.stats() } : {}),
    ...(options.dnsLookup ? { dnsLookup: options.dnsLookup } : {}),
  });
  appRef = app;
  if (config.webhookSecretSource === 'random') {
    app.log.info('webhook signatures use a per-process key receivers cannot know; set ANIME_ME_WEBHOOK_SECRET (16+ characters) and give it to them');
  }
  if (config.urlSecretSource === 'random') {
    app.log.info('result links are signed with a per-process key: they stop working on restart; set ANIME_ME_URL_SECRET to keep them (and share it between servers)');
  }
  const address = await app.listen({ port: config.port, host: config.host });
  const jobQueue = queue;
  let closing: Promise<void> | undefined;
  return {
    app,
    config,
    queue: jobQueue,
    storage,
    pool,
    url: address.replace('[::1]', 'localhost'),
    close: () =>
      (closing ??= (async () => {
        // Stop taking requests first (in-flight ones finish, SSE streams end), then let running jobs
        // finish within the grace period, then stop the threads.
        await app.close();
        await jobQueue.close(config.shutdownGraceMs);
        // After the queue: jobs that finished during the grace period still notify (bounded by the webhook timeout).
        await app.animeMeWebhooks.close(config.webhookTimeoutMs);
        await workerPool?.close();
        sweeper.stop();
        await storage.close();
      })()),
  };
}
