/**
 * `anime-me serve`: the web page, the HTTP API and (without REDIS_URL) the in-process job queue with
 * its pipeline threads. Flags override environment variables, which override the defaults.
 */
import { parseArgs } from 'node:util';
import { toAnimeMeError } from '../errors.js';
import type { ServerConfigOptions } from '../server/config.js';
import { ENGINE_FLAG_OPTIONS, ENGINE_HELP, engineSpecFrom, ONNX_ENGINE_DEFAULT_CONCURRENCY, prepareServiceEngine, type EngineFlags } from './engine.js';

export const SERVE_HELP = `anime-me serve — the web page and HTTP API

Usage:
  anime-me serve [options]

Options (environment variable in brackets):
      --port <n>             port (PORT, default 8080)
      --host <addr>          address to listen on (HOST, default 127.0.0.1; 0.0.0.0 for phones on the LAN)
      --data-dir <dir>       uploads and results (ANIME_ME_DATA_DIR, default <tmp>/anime-me-data)
      --redis <url>          run jobs on BullMQ workers instead of in this process (REDIS_URL)
      --concurrency <n>      pipeline threads in this process (ANIME_ME_CONCURRENCY, default cores/2)
      --queue-capacity <n>   most jobs waiting before 429 (ANIME_ME_QUEUE_CAPACITY, default 20)
      --max-per-client <n>   most jobs per client IP at once (ANIME_ME_MAX_PER_CLIENT, default 2)
      --rate-limit <n>       submissions per minute per client IP (ANIME_ME_RATE_LIMIT, default 20)
      --ttl <seconds>        delete results this long after a job ends (ANIME_ME_RESULT_TTL_S, default 3600)
      --job-timeout <s>      fail a job with TIMEOUT after this long, never retried (ANIME_ME_JOB_TIMEOUT_S,
                             default 180: ~30x a normal CPU job, so only a stuck one hits it)
      --shutdown-grace <s>   on SIGTERM, let running jobs finish this long; unfinished ones go back to
                             the queue and run after the restart (ANIME_ME_SHUTDOWN_GRACE_S, default 10)
      --trust-proxy          take the client address from X-Forwarded-For (ANIME_ME_TRUST_PROXY)
      --public-url <url>     scheme and host clients use, for absolute links in webhooks (ANIME_ME_PUBLIC_URL,
                             default: the address each client used)
      --webhook-allow-private
                             let webhooks call loopback/private/link-local receivers
                             (ANIME_ME_WEBHOOK_ALLOW_PRIVATE, default off: public addresses only)
  -h, --help                 show this help

Engine (the pipeline threads build it; the pack is opened once at start-up, so a bad one stops the
server with its precise message; ONNX engines default to 1 pipeline thread, each holding its own
sessions; a real Stable Diffusion model on CPU may need a longer --job-timeout):
${ENGINE_HELP}

Result links are signed and expire with the result (?exp=…&sig=…, HMAC-SHA256). The key is
ANIME_ME_URL_SECRET (16+ characters); without it a random key per process is used, so links stop
working after a restart and work only on the server that made them: set the same secret on every
server behind one address. Queued jobs survive a restart: in-process they are kept in the data
folder; with Redis, run it with appendonly yes (AOF) so they survive a Redis restart too.
Webhook deliveries are signed with ANIME_ME_WEBHOOK_SECRET (16+ characters; header
X-Anime-Me-Signature), which receivers need to verify them.

Routes: GET / (web page), POST /api/v1/jobs, GET /api/v1/jobs/:id[/events|/result|/composite],
DELETE /api/v1/jobs/:id, POST /sdapi/v1/img2img, GET /sdapi/v1/progress, GET /healthz, GET /metrics,
GET /docs (OpenAPI).`;

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`Expected a whole number for --${name} but received "${value}"`);
  return Number(value);
}

export interface ServeArgs {
  options: ServerConfigOptions;
  engine: EngineFlags;
}

export function parseServeArgs(argv: string[]): ServeArgs | 'help' {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      redis: { type: 'string' },
      concurrency: { type: 'string' },
      'queue-capacity': { type: 'string' },
      'max-per-client': { type: 'string' },
      'rate-limit': { type: 'string' },
      ttl: { type: 'string' },
      'job-timeout': { type: 'string' },
      'shutdown-grace': { type: 'string' },
      'trust-proxy': { type: 'boolean' },
      'public-url': { type: 'string' },
      'webhook-allow-private': { type: 'boolean' },
      ...ENGINE_FLAG_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const { engine, model, steps, strength, guidance, sampler, device, 'tiny-vae': tinyVae, vae } = values;
  const engineFlags: EngineFlags = Object.fromEntries(
    Object.entries({ engine, model, steps, strength, guidance, sampler, device, 'tiny-vae': tinyVae, vae }).filter(([, v]) => v !== undefined),
  );
  const ttl = integer(values.ttl, 'ttl');
  const jobTimeout = integer(values['job-timeout'], 'job-timeout');
  const shutdownGrace = integer(values['shutdown-grace'], 'shutdown-grace');
  const options: ServerConfigOptions = {
    port: integer(values.port, 'port'),
    host: values.host,
    dataDir: values['data-dir'],
    redisUrl: values.redis,
    concurrency: integer(values.concurrency, 'concurrency'),
    queueCapacity: integer(values['queue-capacity'], 'queue-capacity'),
    maxPerClient: integer(values['max-per-client'], 'max-per-client'),
    rateLimitPerMinute: integer(values['rate-limit'], 'rate-limit'),
    resultTtlMs: ttl === undefined ? undefined : ttl * 1000,
    jobTimeoutMs: jobTimeout === undefined ? undefined : jobTimeout * 1000,
    shutdownGraceMs: shutdownGrace === undefined ? undefined : shutdownGrace * 1000,
    trustProxy: values['trust-proxy'],
    publicUrl: values['public-url'],
    webhookAllowPrivate: values['webhook-allow-private'],
  };
  // Drop unset flags so environment variables and defaults apply.
  return { options: Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as ServerConfigOptions, engine: engineFlags };
}

/** Runs until SIGTERM/SIGINT; resolves with the exit code. */
export async function runServe(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  let args: ServeArgs | 'help';
  let engine;
  try {
    args = parseServeArgs(argv);
    if (args !== 'help') engine = engineSpecFrom(args.engine, env);
  } catch (error) {
    process.stderr.write(`anime-me serve: ${toAnimeMeError(error).message}\nRun "anime-me serve --help" for usage.\n`);
    return 2;
  }
  if (args === 'help' || !engine) {
    process.stdout.write(`${SERVE_HELP}\n`);
    return 0;
  }
  const { options } = args;
  // An ONNX engine: check the pack now (it fails here, not in every job), then the threads build it.
  let prepared;
  const distributed = Boolean(options.redisUrl ?? env['REDIS_URL']);
  if (distributed && engine.kind !== 'embedded') {
    process.stderr.write('anime-me serve: note: with Redis the `anime-me worker` processes run the jobs; give them --engine (this process ignores it)\n');
  }
  try {
    if (!distributed) prepared = await prepareServiceEngine(engine, args.engine);
  } catch (error) {
    const e = toAnimeMeError(error);
    process.stderr.write(`anime-me serve: ${e.message}\n`);
    return e.code === 'INVALID_ARGUMENT' ? 2 : 1;
  }
  if (prepared) {
    if (prepared.device.note) process.stderr.write(`anime-me serve: note: ${prepared.device.note}\n`);
    if (options.concurrency === undefined && !env['ANIME_ME_CONCURRENCY']) options.concurrency = ONNX_ENGINE_DEFAULT_CONCURRENCY;
  }
  const { startService } = await import('../server/service.js');
  let service;
  try {
    // ANIME_ME_TEST_PIPELINE_MODULE: a stand-in pipeline for tests and load benches; never set in production.
    const pipelineModule = env['ANIME_ME_TEST_PIPELINE_MODULE'] ?? prepared?.pipelineModule;
    service = await startService({
      ...options,
      ...(pipelineModule ? { pipelineModule } : {}),
      ...(prepared ? { pipelineOptions: prepared.pipelineOptions } : {}),
      logger: { level: env['LOG_LEVEL'] ?? 'info' },
      env,
    });
  } catch (error) {
    process.stderr.write(`anime-me serve: ${toAnimeMeError(error).message}\n`);
    return 1;
  }
  const mode = service.config.redisUrl ? 'BullMQ (run `anime-me worker` processes)' : `in-process, ${service.pool?.size ?? 0} pipeline thread(s)`;
  const engineName = distributed ? 'chosen by the workers' : engine.kind === 'embedded' ? 'embedded' : `${engine.kind} (${engine.modelDir}${engine.tinyVae ? ', tiny VAE' : ''}, ${prepared?.device.device ?? 'cpu'})`;
  process.stderr.write(`anime-me: serving ${service.url}/ — jobs ${mode}; engine ${engineName}; results kept ${Math.round(service.config.resultTtlMs / 1000)} s\n`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`anime-me: ${signal}: finishing running jobs (up to ${Math.round(service.config.shutdownGraceMs / 1000)} s)…\n`);
      service.close().then(
        () => resolve(0),
        (error: unknown) => {
          process.stderr.write(`anime-me: shutdown: ${toAnimeMeError(error).message}\n`);
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
