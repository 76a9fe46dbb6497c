/**
 * Service configuration: every value is `option ?? environment variable ?? named default`, resolved
 * once into a frozen object that is passed down (nothing else reads process.env). Each default says
 * why it is what it is.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AnimeMeError } from '../errors.js';
import { DEFAULT_SIZE, MAX_SIZE, MIN_SIZE } from '../pipeline/options.js';

/** 8080: the usual unprivileged HTTP port for app containers. */
export const DEFAULT_PORT = 8080;
/** Loopback: nothing is exposed until the operator says so (HOST=0.0.0.0 to serve phones on the LAN). */
export const DEFAULT_HOST = '127.0.0.1';
/** 15 MiB: full-resolution phone camera JPEGs are 2–8 MB; PNG screenshots of 4K screens stay below 15 MB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 15 * 1024 * 1024;
/** 20 waiting jobs: at ~6 s per job on a small CPU box that is a wait of about two minutes, beyond which a clear "try again" beats a silent wait. */
export const DEFAULT_QUEUE_CAPACITY = 20;
/** 2 per client: one job running plus one re-roll queued; more from one address starves everyone else. */
export const DEFAULT_MAX_PER_CLIENT = 2;
/** 20 submissions per minute per client: a person re-rolling quickly needs a few; scripts hammering the queue get 429s. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 20;
/** 1 h: long enough to look, download and share; short, because these are photos of people (privacy). */
export const DEFAULT_RESULT_TTL_MS = 60 * 60 * 1000;
/** 180 s: ~30× a normal CPU job; a job beyond that is stuck or pathological (reliability G12). */
export const DEFAULT_JOB_TIMEOUT_MS = 180_000;
/** 2048 px: a sharp phone-screen image; the library allows 4096 but one such job costs ~4× the work of 2048. */
export const DEFAULT_MAX_OUTPUT_SIZE = 2048;
/** 10 s to finish running jobs on SIGTERM before they are stopped (imgproxy waits 20 s; our jobs are retried or re-sent). */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
/**
 * Webhooks may not call loopback, private or link-local addresses unless the operator opts in: a
 * public service that POSTs wherever a stranger says is a server-side request forgery tool.
 */
export const DEFAULT_WEBHOOK_ALLOW_PRIVATE = false;
/** 5 s per delivery attempt: a receiver should acknowledge at once and work afterwards; a slow one must not pile up deliveries. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5000;
/** 3 attempts (1 s and 4 s apart): rides out a receiver restart without hammering a broken one. */
export const DEFAULT_WEBHOOK_ATTEMPTS = 3;
/** First retry delay; each later one is 4× longer. */
export const DEFAULT_WEBHOOK_RETRY_BASE_MS = 1000;
/** A shorter URL-signing secret is guessable offline from one signed link; 16 characters is the floor, 32 random bytes the default. */
export const MIN_URL_SECRET_LENGTH = 16;

export interface ServerConfigOptions {
  port?: number;
  host?: string;
  /** Folder for uploads and results (shared between server and workers in distributed mode). */
  dataDir?: string;
  /** With a Redis URL, jobs go to BullMQ and `anime-me worker` processes run them. */
  redisUrl?: string;
  /** Pipeline threads in this process (in-process mode). */
  concurrency?: number;
  queueCapacity?: number;
  maxPerClient?: number;
  rateLimitPerMinute?: number;
  maxUploadBytes?: number;
  resultTtlMs?: number;
  jobTimeoutMs?: number;
  maxOutputSize?: number;
  shutdownGraceMs?: number;
  /** Trust X-Forwarded-For (only behind a proxy you run). */
  trustProxy?: boolean;
  /**
   * HMAC key for result links (G18). Default: ANIME_ME_URL_SECRET, else 32 random bytes per process,
   * which means links stop working when the server restarts and are valid only on the server that
   * issued them: set the same secret on every server behind one address.
   */
  urlSecret?: string;
  /** Let webhooks call loopback, private and link-local addresses (a receiver on this machine or LAN). */
  webhookAllowPrivate?: boolean;
  /**
   * HMAC key for webhook signatures, shared with receivers so they can verify. Default:
   * ANIME_ME_WEBHOOK_SECRET, else 32 random bytes per process (receivers cannot verify those).
   */
  webhookSecret?: string;
  webhookTimeoutMs?: number;
  webhookAttempts?: number;
  /** Option only (tests): first retry delay. */
  webhookRetryBaseMs?: number;
  /**
   * Public base URL (https://anime.example.com) for absolute links in webhooks. Default:
   * ANIME_ME_PUBLIC_URL, else the scheme and host the submitting client used.
   */
  publicUrl?: string;
}

export type ServerConfig = Readonly<{
  port: number;
  host: string;
  dataDir: string;
  redisUrl: string | undefined;
  concurrency: number | undefined;
  queueCapacity: number;
  maxPerClient: number;
  rateLimitPerMinute: number;
  maxUploadBytes: number;
  resultTtlMs: number;
  jobTimeoutMs: number;
  maxOutputSize: number;
  shutdownGraceMs: number;
  trustProxy: boolean;
  urlSecret: string;
  /** Where the secret came from; 'random' is worth a start-up notice (links die with the process). */
  urlSecretSource: 'option' | 'env' | 'random';
  webhookAllowPrivate: boolean;
  webhookSecret: string;
  webhookSecretSource: 'option' | 'env' | 'random';
  webhookTimeoutMs: number;
  webhookAttempts: number;
  webhookRetryBaseMs: number;
  publicUrl: string | undefined;
}>;

type Env = Record<string, string | undefined>;

function fromEnv(env: Env, name: string, parse: (raw: string) => number | boolean | string | undefined) {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = parse(raw);
  if (value === undefined) throw new AnimeMeError('INVALID_ARGUMENT', `Invalid configuration: ${name}="${raw}"`);
  return value;
}

const int = (min: number, max: number) => (raw: string) => {
  if (!/^\d+$/.test(raw.trim())) return undefined;
  const n = Number(raw);
  return n >= min && n <= max ? n : undefined;
};
const bool = (raw: string) => (/^(1|true|yes|on)$/i.test(raw) ? true : /^(0|false|no|off)$/i.test(raw) ? false : undefined);
const text = (raw: string) => raw;

function check(value: number, name: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AnimeMeError('INVALID_ARGUMENT', `Invalid configuration: expected an integer between ${min} and ${max} for ${name} but received ${value}`);
  }
  return value;
}

function secretOf(option: string | undefined, fromEnvironment: string | undefined, label: string): { secret: string; source: 'option' | 'env' | 'random' } {
  const given = option ?? fromEnvironment;
  if (given === undefined) return { secret: randomBytes(32).toString('base64url'), source: 'random' };
  if (given.length < MIN_URL_SECRET_LENGTH) {
    // Never echo the secret itself in the message.
    throw new AnimeMeError('INVALID_ARGUMENT', `Invalid configuration: expected at least ${MIN_URL_SECRET_LENGTH} characters for ${label} but received ${given.length}`);
  }
  return { secret: given, source: option !== undefined ? 'option' : 'env' };
}

function urlSecretOf(option: string | undefined, fromEnvironment: string | undefined): { urlSecret: string; urlSecretSource: 'option' | 'env' | 'random' } {
  const { secret, source } = secretOf(option, fromEnvironment, 'the URL secret (ANIME_ME_URL_SECRET)');
  return { urlSecret: secret, urlSecretSource: source };
}

function webhookSecretOf(option: string | undefined, fromEnvironment: string | undefined): { webhookSecret: string; webhookSecretSource: 'option' | 'env' | 'random' } {
  const { secret, source } = secretOf(option, fromEnvironment, 'the webhook secret (ANIME_ME_WEBHOOK_SECRET)');
  return { webhookSecret: secret, webhookSecretSource: source };
}

function publicUrlOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AnimeMeError('INVALID_ARGUMENT', `Invalid configuration: expected an http or https URL for the public URL (ANIME_ME_PUBLIC_URL) but received "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AnimeMeError('INVALID_ARGUMENT', `Invalid configuration: expected an http or https URL for the public URL (ANIME_ME_PUBLIC_URL) but received "${value}"`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function resolveServerConfig(options: ServerConfigOptions = {}, env: Env = process.env): ServerConfig {
  const seconds = (raw: string) => {
    const n = int(1, 365 * 24 * 3600)(raw);
    return typeof n === 'number' ? n * 1000 : undefined;
  };
  // 0 is a valid grace period: stop at once and hand running jobs back.
  const graceSeconds = (raw: string) => {
    const n = int(0, 600)(raw);
    return typeof n === 'number' ? n * 1000 : undefined;
  };
  const config = {
    port: check(options.port ?? (fromEnv(env, 'PORT', int(0, 65535)) as number | undefined) ?? DEFAULT_PORT, 'port', 0, 65535),
    host: options.host ?? (fromEnv(env, 'HOST', text) as string | undefined) ?? DEFAULT_HOST,
    dataDir: path.resolve(options.dataDir ?? (fromEnv(env, 'ANIME_ME_DATA_DIR', text) as string | undefined) ?? path.join(tmpdir(), 'anime-me-data')),
    redisUrl: options.redisUrl ?? (fromEnv(env, 'REDIS_URL', text) as string | undefined),
    concurrency: options.concurrency ?? (fromEnv(env, 'ANIME_ME_CONCURRENCY', int(1, 64)) as number | undefined),
    queueCapacity: check(options.queueCapacity ?? (fromEnv(env, 'ANIME_ME_QUEUE_CAPACITY', int(0, 100_000)) as number | undefined) ?? DEFAULT_QUEUE_CAPACITY, 'queueCapacity', 0, 100_000),
    maxPerClient: check(options.maxPerClient ?? (fromEnv(env, 'ANIME_ME_MAX_PER_CLIENT', int(1, 10_000)) as number | undefined) ?? DEFAULT_MAX_PER_CLIENT, 'maxPerClient', 1, 10_000),
    rateLimitPerMinute: check(
      options.rateLimitPerMinute ?? (fromEnv(env, 'ANIME_ME_RATE_LIMIT', int(1, 1_000_000)) as number | undefined) ?? DEFAULT_RATE_LIMIT_PER_MINUTE,
      'rateLimitPerMinute',
      1,
      1_000_000,
    ),
    maxUploadBytes: check(
      options.maxUploadBytes ?? (fromEnv(env, 'ANIME_ME_MAX_UPLOAD_BYTES', int(1, 1 << 30)) as number | undefined) ?? DEFAULT_MAX_UPLOAD_BYTES,
      'maxUploadBytes',
      1,
      1 << 30,
    ),
    resultTtlMs: check(options.resultTtlMs ?? (fromEnv(env, 'ANIME_ME_RESULT_TTL_S', seconds) as number | undefined) ?? DEFAULT_RESULT_TTL_MS, 'resultTtlMs', 1, 365 * 24 * 3600 * 1000),
    jobTimeoutMs: check(options.jobTimeoutMs ?? (fromEnv(env, 'ANIME_ME_JOB_TIMEOUT_S', seconds) as number | undefined) ?? DEFAULT_JOB_TIMEOUT_MS, 'jobTimeoutMs', 1, 24 * 3600 * 1000),
    maxOutputSize: check(
      options.maxOutputSize ?? (fromEnv(env, 'ANIME_ME_MAX_SIZE', int(MIN_SIZE, MAX_SIZE)) as number | undefined) ?? Math.max(DEFAULT_SIZE, DEFAULT_MAX_OUTPUT_SIZE),
      'maxOutputSize',
      MIN_SIZE,
      MAX_SIZE,
    ),
    shutdownGraceMs: check(
      options.shutdownGraceMs ?? (fromEnv(env, 'ANIME_ME_SHUTDOWN_GRACE_S', graceSeconds) as number | undefined) ?? DEFAULT_SHUTDOWN_GRACE_MS,
      'shutdownGraceMs',
      0,
      600_000,
    ),
    trustProxy: options.trustProxy ?? (fromEnv(env, 'ANIME_ME_TRUST_PROXY', bool) as boolean | undefined) ?? false,
    ...urlSecretOf(options.urlSecret, fromEnv(env, 'ANIME_ME_URL_SECRET', text) as string | undefined),
    webhookAllowPrivate: options.webhookAllowPrivate ?? (fromEnv(env, 'ANIME_ME_WEBHOOK_ALLOW_PRIVATE', bool) as boolean | undefined) ?? DEFAULT_WEBHOOK_ALLOW_PRIVATE,
    ...webhookSecretOf(options.webhookSecret, fromEnv(env, 'ANIME_ME_WEBHOOK_SECRET', text) as string | undefined),
    webhookTimeoutMs: check(
      options.webhookTimeoutMs ?? (fromEnv(env, 'ANIME_ME_WEBHOOK_TIMEOUT_S', seconds) as number | undefined) ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
      'webhookTimeoutMs',
      1,
      60_000,
    ),
    webhookAttempts: check(options.webhookAttempts ?? (fromEnv(env, 'ANIME_ME_WEBHOOK_ATTEMPTS', int(1, 10)) as number | undefined) ?? DEFAULT_WEBHOOK_ATTEMPTS, 'webhookAttempts', 1, 10),
    webhookRetryBaseMs: check(options.webhookRetryBaseMs ?? DEFAULT_WEBHOOK_RETRY_BASE_MS, 'webhookRetryBaseMs', 0, 60_000),
    publicUrl: publicUrlOf(options.publicUrl ?? (fromEnv(env, 'ANIME_ME_PUBLIC_URL', text) as string | undefined)),
  };
  if (config.concurrency !== undefined) check(config.concurrency, 'concurrency', 1, 64);
  return Object.freeze(config);
}
