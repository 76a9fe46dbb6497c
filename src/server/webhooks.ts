/**
 * Job webhooks: when a job with a `webhook` URL ends (done, failed, cancelled), one small signed JSON
 * POST goes to that URL. Delivery never blocks the queue (it runs beside it, a few at a time), never
 * throws into it, gives up after a few attempts with backoff, and writes its outcome into the job
 * (GET /api/v1/jobs/:id → `webhook`). Each job's delivery is claimed through the queue first, so with
 * several servers on one Redis exactly one of them sends it.
 *
 * Signature: header `X-Anime-Me-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * A receiver recomputes the HMAC over the raw body with the shared secret (ANIME_ME_WEBHOOK_SECRET),
 * compares in constant time, and refuses a `t` far from its clock (replays).
 */
import { createLimiter } from '../core/limiter.js';
import { createHmac, randomUUID } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { JobQueue, JobRecord, WebhookDelivery } from '../queue/types.js';
import { jobLinks } from './public-job.js';
import type { UrlSigner } from './signed-url.js';
import { classifyAddress, hostOf, isAllowedAddress, redactWebhookUrl } from './webhook-policy.js';

export const SIGNATURE_HEADER = 'x-anime-me-signature';
export const EVENT_HEADER = 'x-anime-me-event';
export const DELIVERY_HEADER = 'x-anime-me-delivery';

/** Deliveries in flight at once; more wait their turn (each is one small POST with a short timeout). */
const MAX_CONCURRENT_DELIVERIES = 8;

export interface WebhookSenderOptions {
  secret: string;
  allowPrivate: boolean;
  /** Per attempt: connect, send and get the status line. */
  timeoutMs: number;
  attempts: number;
  /** Wait before attempt n+1 is retryBaseMs × 4^(n−1): 1 s, 4 s, 16 s by default. */
  retryBaseMs: number;
  /** DNS for deliveries (tests inject one); every address it returns is checked before connecting. */
  lookup?: typeof dnsLookup;
}

export interface SendResult {
  ok: boolean;
  attempts: number;
  status?: number;
  /** Stable code when not ok: HTTP_<status>, TIMEOUT, NETWORK, ADDRESS_NOT_ALLOWED, REDIRECT. */
  error?: string;
}

export interface WebhookSender {
  send(url: string, body: string, headers: Record<string, string>, signal?: AbortSignal): Promise<SendResult>;
}

/** `t=<unix seconds>,v1=<hex>`: the HMAC covers the timestamp and the exact body bytes. */
export function signWebhookBody(secret: string, body: string, nowMs = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  const mac = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${mac}`;
}

class DeliveryError extends Error {
  constructor(
    readonly code: string,
    readonly retry: boolean,
    readonly status?: number,
  ) {
    super(code);
  }
}

/**
 * A DNS lookup for the delivery socket that refuses forbidden addresses: the check and the connection
 * use the same answer, so a name re-pointed after submission (DNS rebinding) cannot slip through.
 */
function guardedLookup(allowPrivate: boolean, base: typeof dnsLookup) {
  return (hostname: string, options: LookupOptions, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    base(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as LookupAddress[];
      const bad = list.find((a) => !isAllowedAddress(a.address, allowPrivate));
      if (bad || list.length === 0) {
        const refusal: NodeJS.ErrnoException = new Error(`webhook host resolves to a ${bad ? classifyAddress(bad.address) : 'missing'} address`);
        refusal.code = 'ADDRESS_NOT_ALLOWED';
        return callback(refusal, '', 0);
      }
      if (options.all) return callback(null, list);
      return callback(null, list[0].address, list[0].family);
    });
  };
}

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const lookup = guardedLookup(options.allowPrivate, options.lookup ?? dnsLookup);

  function attempt(url: URL, body: string, headers: Record<string, string>, signal?: AbortSignal): Promise<number> {
    return new Promise((resolve, reject) => {
      const host = hostOf(url);
      // A literal address never goes through the lookup: check it here.
      if (isIP(host) && !isAllowedAddress(host, options.allowPrivate)) return reject(new DeliveryError('ADDRESS_NOT_ALLOWED', false));
      const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup,
        agent: false, // no pooled sockets: each attempt resolves (and is checked) afresh
      });
      let settled = false;
      const finish = (error: DeliveryError | undefined, status?: number) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        request.destroy();
        if (error) reject(error);
        else resolve(status!);
      };
      const timer = setTimeout(() => finish(new DeliveryError('TIMEOUT', true)), options.timeoutMs);
      const onAbort = () => finish(new DeliveryError('CANCELLED', false));
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('response', (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        response.on('error', () => undefined); // cut short below, by design
        response.resume(); // the receiver's body is not read: only the status matters
        if (status >= 200 && status < 300) finish(undefined, status);
        else if (status >= 300 && status < 400) finish(new DeliveryError('REDIRECT', false, status)); // never followed: it could point anywhere
        else finish(new DeliveryError(`HTTP_${status}`, status >= 500 || status === 408 || status === 429, status));
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        finish(error.code === 'ADDRESS_NOT_ALLOWED' ? new DeliveryError('ADDRESS_NOT_ALLOWED', false) : new DeliveryError('NETWORK', true));
      });
      request.end(body);
    });
  }

  return {
    async send(raw, body, headers, signal) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return { ok: false, attempts: 0, error: 'INVALID_URL' };
      }
      let last: DeliveryError | undefined;
      for (let n = 1; n <= options.attempts; n++) {
        try {
          const status = await attempt(url, body, headers, signal);
          return { ok: true, attempts: n, status };
        } catch (error) {
          last = error instanceof DeliveryError ? error : new DeliveryError('NETWORK', true);
          if (!last.retry || n === options.attempts || signal?.aborted) {
            return { ok: false, attempts: n, error: last.code, ...(last.status !== undefined ? { status: last.status } : {}) };
          }
          await sleep(options.retryBaseMs * 4 ** (n - 1), signal);
        }
      }
      return { ok: false, attempts: options.attempts, error: last?.code ?? 'NETWORK' };
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    timer.unref();
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export type WebhookState = 'done' | 'failed' | 'cancelled';

export interface WebhookDispatcherOptions {
  queue: JobQueue;
  sender: WebhookSender;
  signer: UrlSigner;
  secret: string;
  resultTtlMs: number;
  /** Where a delivery failure is reported (the server log); never given the URL's query string. */
  onFailure: (info: { id: string; target: string; attempts: number; error: string }) => void;
  /** How often to look for finished jobs whose end this server did not hear (default 30 s). */
  reconcileEveryMs?: number;
  /** A finished job is left to the live path this long before the reconciler takes it (default 10 s). */
  reconcileAfterMs?: number;
}

/** 30 s: a missed notice (server restarting while a worker finished a job) goes out within half a minute. */
const DEFAULT_RECONCILE_EVERY_MS = 30_000;
/** 10 s: far longer than the live path takes from the completion event to its claim. */
const DEFAULT_RECONCILE_AFTER_MS = 10_000;

export interface WebhookDispatcher {
  /**
   * Send the final notice for a job that ends now without an event of its own (a deleted job, before
   * its record goes). Resolves once the delivery is claimed; the sending goes on in the background.
   */
  notify(record: JobRecord, state: WebhookState): Promise<void>;
  /** Deliveries still running (tests, shutdown). */
  idle(): Promise<void>;
  /** Stop: no new deliveries; running ones get `graceMs` (default 0) to finish, then are aborted. */
  close(graceMs?: number): Promise<void>;
}

/** The JSON a receiver gets: ids, state, signed absolute links, error code, timings. No analysis, no prompt (they can describe a person). */
export function webhookPayload(record: JobRecord, state: WebhookState, signer: UrlSigner, resultTtlMs: number, base: string) {
  const links = jobLinks(record.id);
  const abs = (path: string) => `${base.replace(/\/+$/, '')}${path}`;
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  const outcome = state === 'done' ? record.outcome : undefined;
  const expiry = record.finishedAt !== undefined ? record.finishedAt + resultTtlMs : undefined;
  return {
    event: `job.${state}`,
    id: record.id,
    state,
    createdAt: iso(record.createdAt),
    ...(record.startedAt !== undefined ? { startedAt: iso(record.startedAt) } : {}),
    ...(record.finishedAt !== undefined ? { finishedAt: iso(record.finishedAt) } : {}),
    attempts: record.attempts,
    ...(outcome && expiry !== undefined
      ? {
          expiresAt: iso(expiry),
          result: { url: abs(signer.sign(links.result, expiry)), mime: outcome.output.mime, width: outcome.output.width, height: outcome.output.height, bytes: outcome.output.bytes },
          ...(outcome.composite ? { composite: { url: abs(signer.sign(links.composite, expiry)), mime: outcome.composite.mime, bytes: outcome.composite.bytes } } : {}),
          timings: outcome.timings,
          runMs: outcome.runMs,
        }
      : {}),
    ...(state !== 'done' ? { error: { code: record.error?.code ?? (state === 'cancelled' ? 'CANCELLED' : 'INTERNAL') } } : {}),
    links: { job: abs(links.self) },
  };
}

export function createWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const { queue, sender, signer, secret } = options;
  const controller = new AbortController();
  const running = new Set<Promise<void>>();
  let closed = false;
  const slot = createLimiter(MAX_CONCURRENT_DELIVERIES);

  async function deliver(record: JobRecord, state: WebhookState, record_: boolean) {
    const hook = record.webhook;
    if (!hook) return;
    const body = JSON.stringify(webhookPayload(record, state, signer, options.resultTtlMs, hook.publicBase));
    const headers = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'anime-me-webhook/1',
      [EVENT_HEADER]: `job.${state}`,
      [DELIVERY_HEADER]: randomUUID(),
      [SIGNATURE_HEADER]: signWebhookBody(secret, body),
    };
    const result = await slot(() => sender.send(hook.url, body, headers, controller.signal));
    const delivery: WebhookDelivery = {
      state: result.ok ? 'delivered' : 'failed',
      attempts: result.attempts,
      at: Date.now(),
      ...(result.status !== undefined ? { status: result.status } : {}),
      ...(result.error !== undefined ? { error: result.error } : {}),
    };
    if (!result.ok) options.onFailure({ id: record.id, target: redactWebhookUrl(hook.url), attempts: result.attempts, error: result.error ?? 'NETWORK' });
    if (record_) await queue.recordWebhook(record.id, delivery).catch(() => undefined);
  }

  function track(work: Promise<void>) {
    const p = work.catch(() => undefined).finally(() => running.delete(p));
    running.add(p);
  }

  const stateOf = (record: JobRecord): WebhookState => (record.state === 'done' ? 'done' : record.error?.code === 'CANCELLED' ? 'cancelled' : 'failed');

  async function onFinished(id: string) {
    if (closed) return;
    const record = await queue.get(id);
    if (!record?.webhook || (record.state !== 'done' && record.state !== 'failed') || !(await queue.claimWebhook(id))) return;
    await deliver(record, stateOf(record), true);
  }

  // Jobs whose end this server never heard (it was restarting, or no server was up when a worker
  // finished): the claim still makes it one delivery per job.
  let reconciling = false;
  async function reconcile() {
    if (closed || reconciling) return;
    reconciling = true;
    try {
      for (const id of await queue.unclaimedWebhooks(options.reconcileAfterMs ?? DEFAULT_RECONCILE_AFTER_MS)) track(onFinished(id));
    } catch {
      // the queue is unavailable right now: next round
    } finally {
      reconciling = false;
    }
  }
  const reconciler = setInterval(() => void reconcile(), options.reconcileEveryMs ?? DEFAULT_RECONCILE_EVERY_MS);
  reconciler.unref();

  const unsubscribe = queue.subscribe('*', (event) => {
    if (closed) return;
    if (event.type === 'done' || event.type === 'failed') track(onFinished(event.id));
  });

  return {
    async notify(record, state) {
      if (closed || !record.webhook) return;
      const claimed = await queue.claimWebhook(record.id).catch(() => false);
      if (!claimed) return;
      // The record is about to be deleted: nothing to write the outcome into.
      track(deliver({ ...record, state: 'failed', finishedAt: record.finishedAt ?? Date.now(), error: { code: 'CANCELLED', message: 'The job was deleted.' } }, state, false));
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    async close(graceMs = 0) {
      if (closed) return;
      closed = true;
      clearInterval(reconciler);
      unsubscribe();
      if (graceMs > 0 && running.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([Promise.allSettled([...running]), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
        clearTimeout(timer);
      }
      controller.abort();
      slot.releaseWaiting();
      await Promise.allSettled([...running]);
    },
  };
}
