/**
 * The HTTP layer: a Fastify app over a JobQueue and a BlobStorage. It parses and limits requests,
 * checks uploads before queueing them, maps every error to `{error: {code, message}}` and serves the
 * web page. It never runs inference itself (that happens in worker threads or worker processes).
 */
import { createLimiter } from '../core/limiter.js';
import Fastify, { type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import { decodeImage } from '../image/index.js';
import type { JobQueue, QueueStats } from '../queue/types.js';
import type { BlobStorage } from '../storage/storage.js';
import { jobKeys } from '../storage/storage.js';
import type { ServerConfig } from './config.js';
import type { AppContext } from './context.js';
import { createEtaEstimator } from './eta.js';
import { HttpError, toErrorAnswer } from './http-errors.js';
import { createMetrics } from './metrics.js';
import { registerJobRoutes } from './routes-jobs.js';
import { registerOpsRoutes } from './routes-ops.js';
import { registerSdapiRoutes } from './routes-sdapi.js';
import { registerWebRoutes } from './routes-web.js';
import { createUrlSigner } from './signed-url.js';
import { systemLookupAll, type LookupAll } from './webhook-policy.js';
import { createWebhookDispatcher, createWebhookSender, type WebhookDispatcher } from './webhooks.js';

export interface AppOptions {
  config: ServerConfig;
  queue: JobQueue;
  storage: BlobStorage;
  /** Fastify logger setting (default off; the CLI turns it on). */
  logger?: boolean | Record<string, unknown>;
  /** Extra health details (e.g. worker-thread pool state) for /healthz. */
  health?: () => Record<string, unknown>;
  /**
   * DNS for webhooks (tests: a name that re-points between submission and delivery). Default: the
   * system resolver. Called with `{all: true}`.
   */
  dnsLookup?: typeof import('node:dns').lookup;
}

/** Uploads are decode-checked at most this many at a time (each holds a decoded image briefly). */
const CHECK_CONCURRENCY = 2;
/** A thumbnail-sized decode proves the file decodes, while shrink-on-load keeps it cheap. */
const CHECK_MAX_SIDE = 64;


interface LoggedRequest {
  method: string;
  url: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * Request logs carry the method, the path without its query (a result link's signature is a
 * credential, G18) and the peer; never bodies, so never image bytes or an upload's file name.
 */
function privateLogger(logger: AppOptions['logger']): boolean | Record<string, unknown> {
  if (!logger) return false;
  const base = logger === true ? {} : logger;
  return {
    ...base,
    serializers: {
      ...((base['serializers'] as Record<string, unknown> | undefined) ?? {}),
      req: (request: LoggedRequest) => ({ method: request.method, url: request.url.split('?')[0], remoteAddress: request.ip, remotePort: request.socket?.remotePort }),
    },
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The webhook dispatcher: closed by the service after the queue, so jobs finishing during shutdown still notify. */
    animeMeWebhooks: WebhookDispatcher;
  }
  interface FastifyRequest {
    /** Set once the route handler runs: errors before it came from reading the request. */
    animeMeHandlerReached: boolean;
  }
}

export async function createApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, queue, storage } = options;
  const jsonBodyLimit = Math.ceil((config.maxUploadBytes * 4) / 3) + 64 * 1024;
  const app = Fastify({
    logger: privateLogger(options.logger),
    trustProxy: config.trustProxy,
    bodyLimit: jsonBodyLimit,
    return503OnClosing: true,
    // Slow-loris guard for uploads: a phone on a bad link gets two minutes for 15 MB.
    requestTimeout: 120_000,
  });

  const metrics = createMetrics();
  const eta = createEtaEstimator();
  const limit = createLimiter(CHECK_CONCURRENCY);
  let cached: { at: number; stats: Promise<QueueStats> } | undefined;
  const stats = () => {
    const now = Date.now();
    if (!cached || now - cached.at > 250) cached = { at: now, stats: queue.stats() };
    return cached.stats;
  };

  const signer = createUrlSigner({ secret: config.urlSecret });
  const webhooks: WebhookDispatcher = createWebhookDispatcher({
    queue,
    signer,
    secret: config.webhookSecret,
    resultTtlMs: config.resultTtlMs,
    sender: createWebhookSender({
      secret: config.webhookSecret,
      allowPrivate: config.webhookAllowPrivate,
      timeoutMs: config.webhookTimeoutMs,
      attempts: config.webhookAttempts,
      retryBaseMs: config.webhookRetryBaseMs,
      ...(options.dnsLookup ? { lookup: options.dnsLookup } : {}),
    }),
    // The job id and the URL without its query (tokens) or credentials; never the payload.
    onFailure: (info) => app.log.warn({ job: info.id, webhook: info.target, attempts: info.attempts, code: info.error }, 'webhook delivery failed'),
  });
  const dnsLookup = options.dnsLookup;
  const lookupAll: LookupAll = dnsLookup
    ? (hostname) => new Promise((resolve, reject) => dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))))
    : systemLookupAll;

  const ctx: AppContext = {
    config,
    queue,
    storage,
    metrics,
    eta,
    health: options.health ?? (() => ({})),
    checkImage: (bytes) => limit(async () => void (await decodeImage(bytes, { maxSide: CHECK_MAX_SIDE }))),
    stats,
    streams: new Set(),
    forget: async (id) => {
      const removed = await queue.remove(id);
      await storage.deletePrefix(jobKeys(id).prefix);
      return removed;
    },
    clientKey: (request) => request.ip,
    jsonBodyLimit,
    signer,
    webhooks,
    lookupAll,
  };
  app.decorate('animeMeWebhooks', webhooks);

  // Learn stage timings for ETAs, count outcomes, and delete files of jobs the queue forgets.
  const unsubscribe = queue.subscribe('*', (event) => {
    if (event.type === 'done') {
      eta.learn(event.outcome.timings);
      metrics.finished('done', event.outcome.runMs / 1000);
    } else if (event.type === 'failed') {
      metrics.finished('failed', undefined, event.error.code);
    } else if (event.type === 'removed') {
      storage.deletePrefix(jobKeys(event.id).prefix).catch((error: unknown) => app.log.warn({ err: error }, 'could not delete files of a removed job'));
    }
  });

  // Body parsing happens before the handler; busboy reports a malformed multipart body (no boundary,
  // bad part headers, a body cut short) as plain Errors that would otherwise read as our fault (500).
  app.decorateRequest('animeMeHandlerReached', false);
  app.addHook('preHandler', async (request) => {
    request.animeMeHandlerReached = true;
  });
  app.setErrorHandler((error, request, reply) => {
    let answer = toErrorAnswer(error);
    if (answer.internal && !request.animeMeHandlerReached && request.isMultipart()) {
      answer = toErrorAnswer(new HttpError('INVALID_ARGUMENT', 'The multipart/form-data body is malformed; send the photo as the file field "image".'));
    }
    if (answer.internal) request.log.error({ err: error }, 'request failed');
    if (answer.status === 413) reply.header('connection', 'close'); // stop a client still sending
    void reply.code(answer.status).headers(answer.headers).send(answer.body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: { code: 'NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}` } });
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });
  app.addHook('onResponse', async (_request, reply) => metrics.answered(reply.statusCode));
  app.addHook('preClose', async () => {
    for (const end of ctx.streams) end();
  });
  app.addHook('onClose', async () => unsubscribe());

  await app.register(rateLimit, {
    global: false,
    keyGenerator: ctx.clientKey,
    errorResponseBuilder: (_request, context) => {
      metrics.rejected('RATE_LIMITED');
      return new HttpError('RATE_LIMITED', `Too many requests; try again in ${context.after}.`);
    },
  });
  await app.register(multipart, {
    attachFieldsToBody: true,
    throwFileSizeLimit: true,
    // One photo and a few small option fields; everything else is refused with 413.
    limits: { fileSize: config.maxUploadBytes, files: 1, fields: 16, parts: 17, fieldSize: 1024, headerPairs: 100 },
  });

  registerOpsRoutes(app, ctx);
  registerJobRoutes(app, ctx);
  registerSdapiRoutes(app, ctx);
  registerWebRoutes(app, ctx);
  return app;
}
