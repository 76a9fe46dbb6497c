/**
 * The job queue contract shared by every backend (in-process today, BullMQ/Redis for scale-out).
 * It speaks in job ids, options and outcomes: image bytes live in a BlobStorage under the job's keys,
 * and nothing here knows about HTTP. One conformance suite (test/queue/conformance.ts) runs against
 * every implementation.
 */
import type { GenerationParameters } from '../core/png-text.js';
import type { ProgressEvent, StageName } from '../core/types.js';
import type { RunOptions } from '../pipeline/options.js';
import type { summariseAnalysis } from '../pipeline/summary.js';

export const JOB_STATES = ['queued', 'running', 'done', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** The JSON-safe part of RunOptions a job carries (never the image, never a signal). */
export type JobOptions = Omit<RunOptions, 'signal'>;

export interface JobError {
  code: string;
  message: string;
}

/** What a finished job produced; the bytes are in storage under the named keys. */
export interface JobOutcome {
  output: { key: string; mime: string; format: string; width: number; height: number; bytes: number };
  composite?: { key: string; mime: string; bytes: number };
  analysis: ReturnType<typeof summariseAnalysis>;
  description: { text: string; tags: string[]; preset: string; style: string };
  prompt: { positive: string; negative: string };
  parameters: GenerationParameters;
  /** Milliseconds per pipeline stage. */
  timings: Partial<Record<StageName, number>>;
  input: { format: string; width: number; height: number };
  /** Wall-clock milliseconds of the successful attempt. */
  runMs: number;
}

/** Outcome of a job's webhook delivery (the server's webhook dispatcher writes it). */
export interface WebhookDelivery {
  /** pending: not sent yet (or sending); delivered: a 2xx answer; failed: gave up. */
  state: 'pending' | 'delivered' | 'failed';
  /** HTTP attempts made. */
  attempts: number;
  /** When the delivery ended, ms since the epoch. */
  at?: number;
  /** The receiver's last HTTP status, if it answered. */
  status?: number;
  /** Why it failed: HTTP_<status>, TIMEOUT, NETWORK, ADDRESS_NOT_ALLOWED, REDIRECT. */
  error?: string;
}

/** Where to tell about a finished job. The URL was checked at submission and is checked again at delivery. */
export interface JobWebhookTarget {
  url: string;
  /** Scheme, host and port the job's links are made absolute with (the address the client used). */
  publicBase: string;
}

export interface JobRecord {
  id: string;
  state: JobState;
  /** 1-based place in line while queued (1 = next to start). */
  position?: number;
  /** Latest stage progress while running. */
  progress?: { stage: StageName; progress: number };
  options: JobOptions;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** Attempts started so far (a retried job has more than one). */
  attempts: number;
  outcome?: JobOutcome;
  error?: JobError;
  webhook?: JobWebhookTarget & { delivery?: WebhookDelivery };
}

export type JobEvent =
  | { type: 'queued'; id: string; position: number }
  | { type: 'position'; id: string; position: number }
  | { type: 'running'; id: string; attempt: number }
  | { type: 'progress'; id: string; stage: StageName; progress: number }
  | { type: 'done'; id: string; outcome: JobOutcome }
  | { type: 'failed'; id: string; error: JobError }
  | { type: 'removed'; id: string };

export type JobListener = (event: JobEvent) => void;

export interface AddJobRequest {
  /** Caller-chosen, unguessable id (see newJobId); the input must already be stored under it. */
  id: string;
  /** Who asked (e.g. the client IP): used for the per-client limit. */
  clientKey: string;
  options: JobOptions;
  /** Optional notice when the job ends (delivered by the server, see server/webhooks.ts). */
  webhook?: JobWebhookTarget;
}

export interface QueueStats {
  queued: number;
  running: number;
  done: number;
  failed: number;
  /** Most jobs allowed to wait; beyond it add() rejects with QUEUE_FULL. */
  capacity: number;
  /** Jobs that can run at once (across all workers when known). */
  concurrency: number;
}

export interface JobQueue {
  /** "memory" or "bullmq", for /healthz and logs. */
  readonly kind: string;
  /** Admit a job or reject it with a QueueRejection; nothing is kept on rejection. */
  add(request: AddJobRequest): Promise<{ position: number }>;
  get(id: string): Promise<JobRecord | undefined>;
  /**
   * Forget a job: a queued one never runs, a running one is aborted, a finished one's record is
   * dropped. Resolves false for an unknown id. The job's stored files are the caller's to delete.
   */
  remove(id: string): Promise<boolean>;
  /** Events of one job, or of every job with '*'. Returns the unsubscribe function. */
  subscribe(id: string, listener: JobListener): () => void;
  stats(): Promise<QueueStats>;
  /**
   * Take the one delivery of a finished job's webhook: resolves true once per job, across every
   * process sharing the queue, and false for later callers or jobs without a webhook.
   */
  claimWebhook(id: string): Promise<boolean>;
  /** Write how the webhook delivery went into the job's record (shown by get()). */
  recordWebhook(id: string, delivery: WebhookDelivery): Promise<void>;
  /**
   * Recently finished jobs (done or failed, at least `olderThanMs` ago) whose webhook nobody has
   * claimed: their end was missed (no server listening at the time, a restart). Bounded, newest first.
   */
  unclaimedWebhooks(olderThanMs: number): Promise<string[]>;
  /** Stop taking work; running jobs are given `graceMs` to finish (default: wait for them). */
  close(graceMs?: number): Promise<void>;
}

/** Runs one job: reads the input from storage, runs the pipeline off the event loop, stores outputs. */
export type JobProcessor = (
  job: { id: string; options: JobOptions; attempt: number },
  context: { signal: AbortSignal; onProgress: (event: ProgressEvent) => void },
) => Promise<JobOutcome>;

export type RejectionCode = 'QUEUE_FULL' | 'CLIENT_LIMIT';

/** add() refused the job: the queue is full, or this client already has its share waiting. */
export class QueueRejection extends Error {
  readonly code: RejectionCode;
  /** A hint for clients: seconds after which trying again is likely to succeed. */
  readonly retryAfterSeconds: number;

  constructor(code: RejectionCode, message: string, retryAfterSeconds: number) {
    super(message);
    this.name = 'QueueRejection';
    this.code = code;
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

export function isQueueRejection(value: unknown): value is QueueRejection {
  return value instanceof QueueRejection;
}

/**
 * The queue's backing store (Redis) cannot be reached or did not answer in time. Not the request's
 * fault and not a bug: the HTTP layer answers 503 QUEUE_UNAVAILABLE with Retry-After.
 */
export class QueueUnavailable extends Error {
  readonly code = 'QUEUE_UNAVAILABLE';
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds = 5, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QueueUnavailable';
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

export function isQueueUnavailable(value: unknown): value is QueueUnavailable {
  return value instanceof QueueUnavailable;
}
