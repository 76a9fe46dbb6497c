/**
 * What the route modules share (kept apart from app.ts so routes and app do not import each other).
 */
import type { FastifyRequest } from 'fastify';
import type { JobQueue, QueueStats } from '../queue/types.js';
import type { BlobStorage } from '../storage/storage.js';
import type { ServerConfig } from './config.js';
import type { EtaEstimator } from './eta.js';
import { HttpError } from './http-errors.js';
import type { ServiceMetrics } from './metrics.js';
import type { UrlSigner } from './signed-url.js';
import type { LookupAll } from './webhook-policy.js';
import type { WebhookDispatcher } from './webhooks.js';

export interface AppContext {
  config: ServerConfig;
  queue: JobQueue;
  storage: BlobStorage;
  metrics: ServiceMetrics;
  eta: EtaEstimator;
  health: () => Record<string, unknown>;
  /** Decode-check an upload off the event loop (sharp's thread pool), a few at a time. */
  checkImage: (bytes: Uint8Array) => Promise<void>;
  /** Queue stats cached for a moment: /healthz, ETA and admission checks must stay cheap under load. */
  stats: () => Promise<QueueStats>;
  /** Open SSE streams, ended when the server closes. */
  streams: Set<() => void>;
  /** Remove a job and its files. */
  forget: (id: string) => Promise<boolean>;
  /** Client key for fairness and rate limits. */
  clientKey: (request: FastifyRequest) => string;
  /** Bytes a JSON body may have: base64 of the largest upload plus room for the other fields. */
  jsonBodyLimit: number;
  /** Signs and checks result links. */
  signer: UrlSigner;
  /** Sends finished-job webhooks. */
  webhooks: WebhookDispatcher;
  /** DNS for the submission-time webhook check (the delivery checks again when it connects). */
  lookupAll: LookupAll;
}

/** 413 from the Content-Length header alone, before a byte of the body is read (chunked bodies are counted while parsed). */
export function rejectOversizedBody(maxBytes: number) {
  return async (request: FastifyRequest) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      throw new HttpError('TOO_LARGE', `The upload is larger than the ${Math.round(maxBytes / 1024 / 1024)} MiB limit.`);
    }
  };
}
