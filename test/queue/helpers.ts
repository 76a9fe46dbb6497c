/** Shared test helpers for the queue and server tests: bounded waiting and a controllable processor. */
import { AnimeMeError, type ErrorCode } from '../../src/errors.js';
import type { JobOutcome, JobProcessor } from '../../src/queue/types.js';
import type { WorkerPool } from '../../src/queue/worker-pool.js';

/** Poll until `check` returns a value (not undefined/false); bounded in time and in attempts. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, label: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000; i++) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${label}`);
}

export function fakeOutcome(id: string): JobOutcome {
  return {
    output: { key: `jobs/${id}/result.png`, mime: 'image/png', format: 'png', width: 8, height: 8, bytes: 10 },
    analysis: { width: 8, height: 8, peopleCount: 0, sceneType: { value: 'landscape', confidence: 0 }, people: [], pets: [], objects: [], models: [], timings: {} },
    description: { text: 'A test.', tags: [], preset: 'landscape', style: 'dreamy-sky' },
    prompt: { positive: 'test', negative: '' },
    parameters: { prompt: 'test', negativePrompt: '', steps: 1, sampler: 'test', seed: 0, width: 8, height: 8 },
    timings: { stylize: 1 },
    input: { format: 'png', width: 8, height: 8 },
    runMs: 5,
  };
}

/**
 * A processor steered per job through `options.prompt`:
 *   "gate"          wait until release(id) (or the job is aborted)
 *   "fail:CODE"     fail every attempt with that code
 *   "fail-once:CODE" fail the first attempt only
 * Everything else succeeds at once. It records every call.
 */
export function createControlledProcessor() {
  const calls: Array<{ id: string; attempt: number }> = [];
  const aborted = new Set<string>();
  const gates = new Map<string, () => void>();
  const released = new Set<string>();
  const processor: JobProcessor = async (job, context) => {
    calls.push({ id: job.id, attempt: job.attempt });
    const directive = job.options.prompt ?? '';
    context.onProgress({ stage: 'stylize', progress: 0.5 });
    if (directive === 'gate' && !released.has(job.id)) {
      await new Promise<void>((resolve, reject) => {
        gates.set(job.id, resolve);
        const onAbort = () => {
          aborted.add(job.id);
          reject(new AnimeMeError('CANCELLED', 'aborted'));
        };
        if (context.signal.aborted) onAbort();
        context.signal.addEventListener('abort', onAbort, { once: true });
      });
    }
    const fail = /^fail:([A-Z_]+)$/.exec(directive)?.[1];
    if (fail) throw new AnimeMeError(fail as ErrorCode, `planned ${fail}`);
    const failOnce = /^fail-once:([A-Z_]+)$/.exec(directive)?.[1];
    if (failOnce && job.attempt === 1) throw new AnimeMeError(failOnce as ErrorCode, `planned ${failOnce} on the first attempt`);
    context.onProgress({ stage: 'encode', progress: 1 });
    return fakeOutcome(job.id);
  };
  return {
    processor,
    calls,
    aborted,
    release(id: string) {
      released.add(id);
      gates.get(id)?.();
      gates.delete(id);
    },
    releaseAll() {
      for (const id of [...gates.keys()]) this.release(id);
    },
    isWaiting: (id: string) => gates.has(id),
  };
}

/**
 * A WorkerPool stand-in for BullMQ fault tests: "inference" is an async wait of `jobMs` (so job locks
 * are renewed on time, as with real pipeline threads), and the photo comes back unchanged as a JPEG
 * "result". It honours cancellation like the real pool.
 */
export function createStandInPool(options: { size?: number; jobMs?: number | (() => number) } = {}): WorkerPool {
  const jobMs = options.jobMs ?? 1000;
  return {
    size: options.size ?? 1,
    async run(bytes, _options, context = {}) {
      await new Promise<void>((resolve, reject) => {
        if (context.signal?.aborted) return reject(new AnimeMeError('CANCELLED', 'cancelled'));
        const timer = setTimeout(resolve, typeof jobMs === 'function' ? jobMs() : jobMs);
        context.signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            reject(new AnimeMeError('CANCELLED', 'cancelled'));
          },
          { once: true },
        );
      });
      const { analysis, description, prompt, parameters, timings, input } = fakeOutcome('stand-in');
      return { output: bytes, format: 'jpeg', width: 8, height: 8, analysis, description, prompt, parameters, timings, input };
    },
    stats: () => ({ size: options.size ?? 1, ready: options.size ?? 1, busy: 0, waiting: 0, restarts: 0 }),
    close: async () => undefined,
  };
}
