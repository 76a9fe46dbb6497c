/**
 * /api/v1/jobs: submit a photo (202 + id and place in line), read a job, follow it live (SSE),
 * download the result and the share composite, delete it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isJobId, newJobId } from '../queue/job-id.js';
import type { JobEvent, JobRecord, JobWebhookTarget } from '../queue/types.js';
import { isQueueRejection, QueueRejection } from '../queue/types.js';
import { jobKeys } from '../storage/storage.js';
import { rejectOversizedBody, type AppContext } from './context.js';
import { HttpError } from './http-errors.js';
import { readJobInput, type JobInput } from './job-input.js';
import { jobLinks, publicJob } from './public-job.js';
import { checkWebhookUrl } from './webhook-policy.js';

/** SSE keep-alive comment interval: below the usual 30–60 s idle timeouts of proxies. */
const HEARTBEAT_MS = 15_000;

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

export function registerJobRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { config, queue, storage, metrics, eta } = ctx;

  /** Admission before the body is read: a full queue answers 429 without taking the upload. */
  async function admitEarly() {
    const stats = await ctx.stats();
    if (stats.queued >= stats.capacity) {
      metrics.rejected('QUEUE_FULL');
      throw new QueueRejection('QUEUE_FULL', 'Too many photos are waiting right now; try again shortly.', eta.jobSeconds() * (1 + stats.queued / Math.max(1, stats.concurrency)));
    }
  }

  /** Check, store and enqueue one photo; shared by the jobs API and the A1111 route. */
  async function submit(request: FastifyRequest, input: JobInput): Promise<{ id: string; position: number }> {
    const webhook = input.webhook === undefined ? undefined : await checkWebhook(request, input.webhook);
    await ctx.checkImage(input.bytes); // bad photos are 4xx now, not failed jobs later
    const id = newJobId();
    const keys = jobKeys(id);
    await storage.put(keys.input, input.bytes);
    try {
      const { position } = await queue.add({ id, clientKey: ctx.clientKey(request), options: input.options, ...(webhook ? { webhook } : {}) });
      metrics.submitted();
      return { id, position };
    } catch (error) {
      await storage.delete(keys.input).catch(() => undefined);
      if (isQueueRejection(error)) metrics.rejected(error.code);
      throw error;
    }
  }
  app.decorate('animeMeSubmit', submit);

  /** Where the webhook may point (SSRF guard), and the base its absolute links use. */
  async function checkWebhook(request: FastifyRequest, raw: string): Promise<JobWebhookTarget> {
    const verdict = await checkWebhookUrl(raw, { allowPrivate: config.webhookAllowPrivate, lookup: ctx.lookupAll });
    if (!(verdict instanceof URL)) {
      if (verdict.kind === 'invalid') throw new HttpError('INVALID_ARGUMENT', `Expected ${verdict.expected} for webhook.`);
      throw new HttpError(
        'WEBHOOK_NOT_ALLOWED',
        `The webhook may not point at ${verdict.reason}: only public internet addresses are called (a server operator can allow private ones with ANIME_ME_WEBHOOK_ALLOW_PRIVATE).`,
      );
    }
    return { url: verdict.href, publicBase: config.publicUrl ?? `${request.protocol}://${request.host}` };
  }

  function expiresAt(record: JobRecord): number | undefined {
    return record.finishedAt === undefined ? undefined : record.finishedAt + config.resultTtlMs;
  }

  /** The job, or 404 for unknown, malformed and expired ids alike (ids are secrets; say nothing more). */
  async function load(id: string): Promise<JobRecord> {
    if (!isJobId(id)) throw new HttpError('NOT_FOUND', 'No such job (it may have expired).');
    const record = await queue.get(id);
    if (!record) throw new HttpError('NOT_FOUND', 'No such job (it may have expired).');
    const expiry = expiresAt(record);
    if (expiry !== undefined && expiry <= Date.now()) {
      await ctx.forget(id);
      throw new HttpError('NOT_FOUND', 'No such job (it may have expired).');
    }
    return record;
  }

  async function view(record: JobRecord) {
    const stats = await ctx.stats();
    const etaSeconds = eta.secondsLeft(record, stats.concurrency);
    const expiry = expiresAt(record);
    return publicJob(record, {
      ...(etaSeconds !== undefined ? { etaSeconds } : {}),
      ...(expiry !== undefined ? { expiresAt: expiry, signLink: (path: string) => ctx.signer.sign(path, expiry) } : {}),
    });
  }

  app.post(
    '/api/v1/jobs',
    {
      onRequest: [rejectOversizedBody(Math.max(ctx.jsonBodyLimit, config.maxUploadBytes + 64 * 1024)), admitEarly],
      config: { rateLimit: { max: config.rateLimitPerMinute, timeWindow: 60_000 } },
    },
    async (request, reply) => {
      const type = String(request.headers['content-type'] ?? '').toLowerCase();
      if (!request.isMultipart() && !type.startsWith('application/json')) {
        throw new HttpError('UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data with an `image` file, or application/json with a base64 `image`.');
      }
      const input = await readJobInput(request.body, request.isMultipart(), config);
      const { id, position } = await submit(request, input);
      const record = await queue.get(id);
      const stats = await ctx.stats();
      const etaSeconds = record ? eta.secondsLeft(record, stats.concurrency) : undefined;
      // No result links yet: they are signed with the result's expiry, known once the job is done.
      const { self, events } = jobLinks(id);
      return reply
        .code(202)
        .header('location', self)
        .send({ id, position, seed: input.options.seed, ...(etaSeconds !== undefined ? { etaSeconds } : {}), links: { self, events } });
    },
  );

  app.get('/api/v1/jobs/:id', async (request: IdRequest, reply) => {
    const record = await load(request.params.id);
    return reply.header('cache-control', 'no-store').send(await view(record));
  });

  app.delete('/api/v1/jobs/:id', async (request: IdRequest, reply) => {
    const id = request.params.id;
    if (!isJobId(id)) throw new HttpError('NOT_FOUND', 'No such job (it may have expired).');
    // A job cancelled before it ended tells its webhook so (claimed before the record goes).
    const record = await queue.get(id);
    if (record?.webhook && (record.state === 'queued' || record.state === 'running')) await ctx.webhooks.notify(record, 'cancelled');
    if (!(await ctx.forget(id))) throw new HttpError('NOT_FOUND', 'No such job (it may have expired).');
    return reply.code(204).send();
  });

  /**
   * The signature is checked before the job is looked up, so an unsigned request learns nothing (not
   * even whether the id exists), and every failure is the same 403 shape.
   */
  function checkSignature(request: IdRequest, which: 'result' | 'composite') {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const path = `/api/v1/jobs/${request.params.id}/${which}`;
    const verdict = ctx.signer.verify(path, query['exp'], query['sig']);
    if (verdict === 'ok') return;
    if (verdict === 'expired') throw new HttpError('SIGNATURE_EXPIRED', 'This link has expired; open the job again for a fresh one.');
    throw new HttpError(
      'SIGNATURE_INVALID',
      verdict === 'missing' ? 'This link needs its signature (exp and sig); use the URL from the job.' : 'This link is not valid; use the URL from the job.',
    );
  }

  async function sendFile(request: IdRequest, reply: FastifyReply, which: 'result' | 'composite') {
    checkSignature(request, which);
    const record = await load(request.params.id);
    if (record.state === 'failed') throw new HttpError('NOT_FOUND', `The job failed (${record.error?.code ?? 'INTERNAL'}); there is no ${which}.`);
    if (record.state !== 'done' || !record.outcome) throw new HttpError('NOT_READY', `The job is ${record.state}; the ${which} is not ready yet.`);
    const file = which === 'result' ? record.outcome.output : record.outcome.composite;
    if (!file) throw new HttpError('NOT_FOUND', 'This job was run without a share composite (send composite=true).');
    const bytes = await storage.get(file.key);
    if (!bytes) throw new HttpError('NOT_FOUND', 'No such job (it may have expired).');
    const ext = file.mime === 'image/jpeg' ? 'jpg' : file.mime.split('/')[1];
    const name = `anime-me-${record.id.slice(0, 8)}${which === 'composite' ? '-share' : ''}.${ext}`;
    const maxAge = Math.max(0, Math.floor(((expiresAt(record) ?? Date.now()) - Date.now()) / 1000));
    const download = (request.query as Record<string, unknown> | undefined)?.['download'];
    return reply
      .header('content-type', file.mime)
      .header('content-disposition', `${download ? 'attachment' : 'inline'}; filename="${name}"`)
      .header('cache-control', `private, max-age=${maxAge}, immutable`)
      .header('content-security-policy', "default-src 'none'")
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  app.get('/api/v1/jobs/:id/result', (request: IdRequest, reply) => sendFile(request, reply, 'result'));
  app.get('/api/v1/jobs/:id/composite', (request: IdRequest, reply) => sendFile(request, reply, 'composite'));

  app.get('/api/v1/jobs/:id/events', async (request: IdRequest, reply) => {
    const id = request.params.id;
    const first = await load(id);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // nginx: do not buffer the stream
      'x-content-type-options': 'nosniff',
    });
    let closed = false;
    const write = (event: string, data: unknown) => {
      if (!closed) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const end = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      ctx.streams.delete(end);
      raw.end();
    };
    ctx.streams.add(end);
    const heartbeat = setInterval(() => !closed && raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    // Events may arrive while the snapshot is being built; they are applied in order afterwards.
    const pending: JobEvent[] = [];
    let ready = false;
    const concurrency = async () => (await ctx.stats()).concurrency;
    const onEvent = async (event: JobEvent) => {
      switch (event.type) {
        case 'queued':
        case 'position':
          write('position', { position: event.position, etaSeconds: eta.secondsLeft({ state: 'queued', position: event.position, options: first.options }, await concurrency()) });
          break;
        case 'running':
          write('running', { attempt: event.attempt, etaSeconds: eta.secondsLeft({ state: 'running', options: first.options }, 1) });
          break;
        case 'progress':
          write('progress', {
            stage: event.stage,
            progress: Math.round(event.progress * 1000) / 1000,
            etaSeconds: eta.secondsLeft({ state: 'running', progress: { stage: event.stage, progress: event.progress }, options: first.options }, 1),
          });
          break;
        case 'done':
        case 'failed': {
          const record = await queue.get(id);
          if (record) write(event.type, await view(record));
          else write('failed', { error: { code: 'NOT_FOUND', message: 'The job was deleted.' } });
          end();
          break;
        }
        case 'removed':
          write('failed', { id, state: 'failed', error: { code: 'NOT_FOUND', message: 'The job was deleted.' } });
          end();
          break;
      }
    };
    let chain = Promise.resolve();
    const enqueue = (event: JobEvent) => {
      chain = chain.then(() => onEvent(event)).catch(() => undefined);
    };
    const unsubscribe = queue.subscribe(id, (event) => (ready ? enqueue(event) : pending.push(event)));
    // The client may leave at any time, including while the job was being looked up above (then
    // 'close' has already fired): either way the subscription, heartbeat and stream entry go.
    request.raw.on('close', end);
    raw.on('close', end);
    if (request.raw.socket?.destroyed || raw.destroyed) {
      end();
      return;
    }

    const snapshot = await queue.get(id);
    if (!snapshot) {
      write('failed', { id, state: 'failed', error: { code: 'NOT_FOUND', message: 'The job was deleted.' } });
      end();
      return;
    }
    write('state', await view(snapshot));
    if (snapshot.state === 'done' || snapshot.state === 'failed') {
      end();
      return;
    }
    ready = true;
    for (const event of pending.splice(0)) enqueue(event);
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Check, store and enqueue a photo (the A1111 route reuses the jobs API's path). */
    animeMeSubmit: (request: FastifyRequest, input: JobInput) => Promise<{ id: string; position: number }>;
  }
}
