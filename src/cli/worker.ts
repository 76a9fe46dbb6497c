/**
 * `anime-me worker`: a BullMQ worker process for distributed mode. Its event loop only talks to Redis
 * (so job locks are renewed on time); the pipeline runs in its own threads. Image bytes come from and
 * go to the shared data folder, under the job id. SIGTERM: stop taking jobs, let running ones finish
 * within the grace period, hand the rest back to the queue.
 */
import { parseArgs } from 'node:util';
import { toAnimeMeError } from '../errors.js';
import { ENGINE_FLAG_OPTIONS, ENGINE_HELP, engineSpecFrom, ONNX_ENGINE_DEFAULT_CONCURRENCY, prepareServiceEngine, type EngineFlags } from './engine.js';

export const WORKER_HELP = `anime-me worker — run photo jobs from a Redis (BullMQ) queue

Usage:
  anime-me worker [options]

Options (environment variable in brackets):
      --redis <url>          Redis URL (REDIS_URL, required)
      --data-dir <dir>       shared uploads/results folder, the same as the server's (ANIME_ME_DATA_DIR)
      --concurrency <n>      pipeline threads = jobs at once (ANIME_ME_CONCURRENCY, default cores/2)
      --ttl <seconds>        delete stored files this long after writing (ANIME_ME_RESULT_TTL_S, default 3600)
  -h, --help                 show this help

Engine (built in this worker's pipeline threads; the pack is opened once at start-up, so a bad one
stops the worker with its precise message; ONNX engines default to 1 pipeline thread):
${ENGINE_HELP}

Advanced (environment only): ANIME_ME_LOCK_MS (job lock, default 30000: a crashed worker's job is
retried after about this long), ANIME_ME_JOB_TIMEOUT_S (default 180), ANIME_ME_SHUTDOWN_GRACE_S (default 10).`;

export async function runWorker(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        redis: { type: 'string' },
        'data-dir': { type: 'string' },
        concurrency: { type: 'string' },
        ttl: { type: 'string' },
        ...ENGINE_FLAG_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
    }));
    for (const name of ['concurrency', 'ttl'] as const) {
      const v = values[name];
      if (v !== undefined && !/^\d+$/.test(v)) throw new Error(`Expected a whole number for --${name} but received "${v}"`);
    }
  } catch (error) {
    process.stderr.write(`anime-me worker: ${(error as Error).message}\nRun "anime-me worker --help" for usage.\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${WORKER_HELP}\n`);
    return 0;
  }
  let engine;
  let engineFlags: EngineFlags;
  try {
    const { engine: kind, model, steps, strength, guidance, sampler, device, 'tiny-vae': tinyVae, vae } = values;
    const flags: EngineFlags = Object.fromEntries(
      Object.entries({ engine: kind, model, steps, strength, guidance, sampler, device, 'tiny-vae': tinyVae, vae }).filter(([, v]) => v !== undefined),
    );
    engineFlags = flags;
    engine = engineSpecFrom(flags, env);
  } catch (error) {
    process.stderr.write(`anime-me worker: ${toAnimeMeError(error).message}\nRun "anime-me worker --help" for usage.\n`);
    return 2;
  }
  const [{ resolveServerConfig }, { createLocalStorage }, { startSweeper }, { createWorkerPool }, { createPipelineProcessor }, { createBullmqWorker }] =
    await Promise.all([
      import('../server/config.js'),
      import('../storage/local-storage.js'),
      import('../storage/sweeper.js'),
      import('../queue/worker-pool.js'),
      import('../queue/pipeline-processor.js'),
      import('../queue/bullmq-queue.js'),
    ]);
  let config;
  try {
    config = resolveServerConfig(
      {
        ...(values.redis !== undefined ? { redisUrl: values.redis } : {}),
        ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
        ...(values.concurrency !== undefined ? { concurrency: Number(values.concurrency) } : {}),
        ...(values.ttl !== undefined ? { resultTtlMs: Number(values.ttl) * 1000 } : {}),
      },
      env,
    );
  } catch (error) {
    process.stderr.write(`anime-me worker: ${toAnimeMeError(error).message}\n`);
    return 2;
  }
  if (!config.redisUrl) {
    process.stderr.write('anime-me worker: no Redis URL; pass --redis redis://host:6379 or set REDIS_URL\n');
    return 2;
  }
  // An ONNX engine: check the pack before taking any job (it fails here, not in every job).
  let prepared;
  try {
    prepared = await prepareServiceEngine(engine, engineFlags);
  } catch (error) {
    const e = toAnimeMeError(error);
    process.stderr.write(`anime-me worker: ${e.message}\n`);
    return e.code === 'INVALID_ARGUMENT' ? 2 : 1;
  }
  if (prepared?.device.note) process.stderr.write(`anime-me worker: note: ${prepared.device.note}\n`);
  const concurrency = config.concurrency ?? (prepared ? ONNX_ENGINE_DEFAULT_CONCURRENCY : undefined);
  const lockMs = env['ANIME_ME_LOCK_MS'] && /^\d+$/.test(env['ANIME_ME_LOCK_MS']) ? Number(env['ANIME_ME_LOCK_MS']) : undefined;
  const graceMs = env['ANIME_ME_SHUTDOWN_GRACE_S'] && /^\d+$/.test(env['ANIME_ME_SHUTDOWN_GRACE_S']) ? Number(env['ANIME_ME_SHUTDOWN_GRACE_S']) * 1000 : config.shutdownGraceMs;
  // Tests run workers on a stand-in pipeline; never set in production.
  const pipelineModule = env['ANIME_ME_TEST_PIPELINE_MODULE'] ?? prepared?.pipelineModule;

  const storage = createLocalStorage({ dir: config.dataDir });
  const sweeper = startSweeper(storage, { ttlMs: config.resultTtlMs });
  const pool = createWorkerPool({
    ...(concurrency !== undefined ? { size: concurrency } : {}),
    timeoutMs: config.jobTimeoutMs,
    ...(pipelineModule ? { pipelineModule } : {}),
    ...(prepared ? { pipelineOptions: prepared.pipelineOptions } : {}),
    onError: (error) => process.stderr.write(`anime-me worker: pipeline thread: ${error.message}\n`),
  });
  let worker;
  try {
    worker = await createBullmqWorker({
      redisUrl: config.redisUrl,
      processor: createPipelineProcessor({ pool, storage }),
      concurrency: pool.size,
      ...(lockMs !== undefined ? { lockDurationMs: lockMs } : {}),
      onError: (error) => process.stderr.write(`anime-me worker: ${error.message}\n`),
      // Job ids only: no prompts, no analysis (they can describe a person).
      onActivity: (event) => process.stderr.write(`anime-me worker: job ${event.jobId} ${event.type} (attempt ${event.attempt})${event.detail ? `: ${event.detail}` : ''}\n`),
    });
  } catch (error) {
    process.stderr.write(`anime-me worker: cannot reach Redis: ${toAnimeMeError(error).message}\n`);
    await pool.close();
    sweeper.stop();
    return 1;
  }
  const engineName = engine.kind === 'embedded' ? 'embedded' : `${engine.kind} (${engine.modelDir}${engine.tinyVae ? ', tiny VAE' : ''}, ${prepared?.device.device ?? 'cpu'})`;
  process.stderr.write(`anime-me worker ${worker.id}: ${pool.size} pipeline thread(s), engine ${engineName}, data in ${config.dataDir}\n`);
  const running = worker;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`anime-me worker: ${signal}: finishing running jobs (up to ${Math.round(graceMs / 1000)} s)…\n`);
      running
        .close(graceMs)
        .then(() => pool.close())
        .then(
          () => {
            sweeper.stop();
            resolve(0);
          },
          (error: unknown) => {
            process.stderr.write(`anime-me worker: shutdown: ${toAnimeMeError(error).message}\n`);
            resolve(1);
          },
        );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
