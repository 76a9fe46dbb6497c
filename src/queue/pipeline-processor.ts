/**
 * The JobProcessor every backend runs: input bytes from storage → worker pool → outputs to storage.
 * Idempotent by job id: outputs are written under the job's keys and the outcome record last, so a
 * job re-run after a worker crash either finds the finished outcome (and returns it) or redoes the
 * work and overwrites the same keys with identical bytes (the pipeline is deterministic per seed).
 */
import { AnimeMeError } from '../errors.js';
import { jobKeys, type BlobStorage } from '../storage/storage.js';
import { isRetryable, isShutdownAbort } from './retry.js';
import type { WorkerPool } from './worker-pool.js';
import type { JobOutcome, JobProcessor } from './types.js';

export interface PipelineProcessorOptions {
  pool: WorkerPool;
  storage: BlobStorage;
}

const MIME: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };
const EXT: Record<string, string> = { png: 'png', jpeg: 'jpg', webp: 'webp' };

export function createPipelineProcessor({ pool, storage }: PipelineProcessorOptions): JobProcessor {
  return async (job, context) => {
    const keys = jobKeys(job.id);
    const previous = await storage.get(keys.outcome);
    if (previous) return JSON.parse(Buffer.from(previous).toString('utf8')) as JobOutcome;

    const input = await storage.get(keys.input);
    if (!input) {
      throw new AnimeMeError('INTERNAL', 'The uploaded photo is no longer stored (deleted or expired); send it again.', {
        details: { retry: false },
      });
    }
    const started = performance.now();
    let result;
    try {
      result = await pool.run(input, job.options, { signal: context.signal, onProgress: context.onProgress });
      if (context.signal.aborted) throw new AnimeMeError('CANCELLED', 'The job was cancelled.');
    } catch (error) {
      // A final failure (bad photo, timeout, cancel) needs the photo no longer; a retryable one, or a
      // job handed back because its process is shutting down, does.
      if (!isRetryable(error) && !isShutdownAbort(context.signal)) await storage.delete(keys.input).catch(() => undefined);
      throw error;
    }

    const outputKey = keys.output(EXT[result.format] ?? result.format);
    await storage.put(outputKey, result.output);
    if (result.composite) await storage.put(keys.composite, result.composite);
    const outcome: JobOutcome = {
      output: {
        key: outputKey,
        mime: MIME[result.format] ?? 'application/octet-stream',
        format: result.format,
        width: result.width,
        height: result.height,
        bytes: result.output.byteLength,
      },
      ...(result.composite ? { composite: { key: keys.composite, mime: 'image/jpeg', bytes: result.composite.byteLength } } : {}),
      analysis: result.analysis,
      description: result.description,
      prompt: result.prompt,
      parameters: result.parameters,
      timings: result.timings,
      input: result.input,
      runMs: Math.round(performance.now() - started),
    };
    await storage.put(keys.outcome, new TextEncoder().encode(JSON.stringify(outcome)));
    // The photo is needed no longer: drop it now rather than at the TTL (privacy).
    await storage.delete(keys.input);
    return outcome;
  };
}
