/**
 * A fixed pool of pipeline threads (node:worker_threads), each created once with its own pipeline, so
 * the models load once per thread and inference never touches the caller's event loop. Jobs beyond
 * the pool size wait here in order. A thread that crashes, or ignores a cancel/timeout, is replaced.
 *
 * Runs from TypeScript sources (tests, `node --import tsx`) and from compiled JS in dist/: a .ts
 * thread entry is started through a tiny bootstrap that registers tsx inside the thread, because a
 * worker does not inherit the parent's `--import tsx` loader hooks on Node 20.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ProgressEvent } from '../core/types.js';
import { AnimeMeError, ERROR_CODES, type ErrorCode } from '../errors.js';
import { transferable, type FromThread, type ThreadConfig, type ThreadMemory, type ThreadRunResult, type ToThread } from './thread-protocol.js';
import type { JobOptions } from './types.js';

export interface WorkerPoolOptions extends ThreadConfig {
  /** Threads (= jobs at once). Default: half the CPU cores, at least 1 (each pipeline itself uses ~2 threads). */
  size?: number;
  /** Wall-clock budget per job; past it the job fails with TIMEOUT (default 180 s, G12). */
  timeoutMs?: number;
  /** How long a thread may take to stop after cancel/timeout before it is terminated (default 5 s). */
  stopGraceMs?: number;
  /** Called with thread-level problems (crash, failed start) for logging. */
  onError?: (error: Error) => void;
}

export interface RunContext {
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

export interface WorkerPool {
  readonly size: number;
  run(bytes: Uint8Array, options: JobOptions, context?: RunContext): Promise<ThreadRunResult>;
  /** Threads started and ready / busy right now, and the threads' own memory as last reported (MiB, summed). */
  stats(): { size: number; ready: number; busy: number; waiting: number; restarts: number; memoryMiB?: { heapUsed: number; external: number; arrayBuffers: number } };
  close(): Promise<void>;
}

export const DEFAULT_JOB_TIMEOUT_MS = 180_000;

export function defaultPoolSize(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}

function codeOf(code: string): ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : 'INTERNAL';
}

interface Task {
  id: number;
  bytes: Uint8Array;
  options: JobOptions;
  context: RunContext;
  resolve: (result: ThreadRunResult) => void;
  reject: (error: unknown) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  task?: Task;
  timer?: NodeJS.Timeout;
  killTimer?: NodeJS.Timeout;
  /** Set once the current task has been answered (cancel/timeout) while the thread still runs it. */
  abandoned?: boolean;
  /** The thread's memory after its latest task. */
  memory?: ThreadMemory;
  cleanup?: () => void;
}

const THREAD_ENTRY = new URL(`./pipeline-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

function spawnThread(config: ThreadConfig): Worker {
  const workerData: ThreadConfig = {
    ...(config.pipelineModule ? { pipelineModule: config.pipelineModule } : {}),
    ...(config.pipelineOptions ? { pipelineOptions: config.pipelineOptions } : {}),
  };
  if (THREAD_ENTRY.pathname.endsWith('.ts')) {
    const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(THREAD_ENTRY.href)}); })`;
    return new Worker(bootstrap, { eval: true, workerData, execArgv: [] });
  }
  return new Worker(THREAD_ENTRY, { workerData });
}

const MIB = 2 ** 20;

function memoryOf(slots: Slot[]) {
  const reported = slots.filter((s) => s.memory);
  if (reported.length === 0) return {};
  const sum = (key: keyof ThreadMemory) => Math.round(reported.reduce((total, s) => total + s.memory![key], 0) / MIB);
  return { memoryMiB: { heapUsed: sum('heapUsed'), external: sum('external'), arrayBuffers: sum('arrayBuffers') } };
}

export function createWorkerPool(options: WorkerPoolOptions = {}): WorkerPool {
  const size = options.size ?? defaultPoolSize();
  const timeoutMs = options.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
  const stopGraceMs = options.stopGraceMs ?? 5000;
  const config: ThreadConfig = {
    ...(options.pipelineModule ? { pipelineModule: options.pipelineModule } : {}),
    ...(options.pipelineOptions ? { pipelineOptions: options.pipelineOptions } : {}),
  };
  const slots: Slot[] = [];
  const waiting: Task[] = [];
  let nextId = 1;
  let restarts = 0;
  let consecutiveStartFailures = 0;
  let startupError: AnimeMeError | undefined;
  let closed = false;

  function report(error: Error) {
    options.onError?.(error);
  }

  function finish(slot: Slot, settle: (task: Task) => void) {
    const task = slot.task;
    if (!task || slot.abandoned) return;
    clearTimeout(slot.timer);
    slot.cleanup?.();
    slot.cleanup = undefined;
    settle(task);
  }

  function release(slot: Slot) {
    clearTimeout(slot.timer);
    clearTimeout(slot.killTimer);
    slot.task = undefined;
    slot.abandoned = false;
    dispatch();
  }

  function addSlot(index: number) {
    const worker = spawnThread(config);
    const slot: Slot = { worker, ready: false };
    slots[index] = slot;
    worker.on('message', (message: FromThread) => {
      switch (message.type) {
        case 'ready':
          slot.ready = true;
          consecutiveStartFailures = 0;
          dispatch();
          break;
        case 'startup-failed':
          // Final: every later job would fail the same way, so no retries (details.retry = false).
          startupError = new AnimeMeError(codeOf(message.error.code), `The pipeline could not start: ${message.error.message}`, {
            details: { retry: false },
          });
          report(startupError);
          failWaiting(startupError);
          void worker.terminate();
          break;
        case 'progress':
          if (slot.task && message.taskId === slot.task.id && !slot.abandoned) {
            slot.task.context.onProgress?.({ stage: message.stage, progress: message.progress });
          }
          break;
        case 'done':
        case 'error': {
          if (message.memory) slot.memory = message.memory;
          if (!slot.task || message.taskId !== slot.task.id) break;
          if (message.type === 'done') finish(slot, (task) => task.resolve(message.result));
          else finish(slot, (task) => task.reject(new AnimeMeError(codeOf(message.error.code), message.error.message)));
          release(slot);
          break;
        }
      }
    });
    worker.on('error', (error) => report(error));
    worker.on('exit', (code) => {
      if (slots[index] !== slot) return;
      clearTimeout(slot.timer);
      clearTimeout(slot.killTimer);
      const task = slot.task;
      slot.task = undefined;
      if (task && !slot.abandoned) {
        slot.cleanup?.();
        // Retryable: another attempt on a fresh thread may well succeed (e.g. out of memory once).
        task.reject(new AnimeMeError('INTERNAL', `The pipeline thread stopped unexpectedly (exit code ${code}).`));
      }
      if (closed) return;
      if (!slot.ready) consecutiveStartFailures++;
      if (startupError || consecutiveStartFailures >= 3) {
        startupError ??= new AnimeMeError('INTERNAL', 'The pipeline threads keep failing to start.', { details: { retry: false } });
        failWaiting(startupError);
        return;
      }
      restarts++;
      addSlot(index);
    });
  }

  function failWaiting(error: Error) {
    for (const task of waiting.splice(0)) {
      task.context.signal?.removeEventListener('abort', onWaitingAbort);
      task.reject(error);
    }
  }

  function onWaitingAbort(this: AbortSignal) {
    const index = waiting.findIndex((t) => t.context.signal === this);
    if (index >= 0) {
      const [task] = waiting.splice(index, 1);
      task.reject(new AnimeMeError('CANCELLED', 'The job was cancelled.'));
    }
  }

  /** Stop a thread's current task: ask nicely, then replace the thread if it does not answer. */
  function abandon(slot: Slot, error: AnimeMeError) {
    const task = slot.task;
    if (!task || slot.abandoned) return;
    finish(slot, (t) => t.reject(error));
    slot.abandoned = true;
    slot.worker.postMessage({ type: 'cancel', taskId: task.id } satisfies ToThread);
    slot.killTimer = setTimeout(() => {
      if (slot.task === task) void slot.worker.terminate(); // exit handler replaces the thread
    }, stopGraceMs);
  }

  function dispatch() {
    if (closed) return;
    for (const slot of slots) {
      if (waiting.length === 0) return;
      if (!slot.ready || slot.task) continue;
      const task = waiting.shift()!;
      task.context.signal?.removeEventListener('abort', onWaitingAbort);
      slot.task = task;
      slot.abandoned = false;
      slot.timer = setTimeout(
        () => abandon(slot, new AnimeMeError('TIMEOUT', `The job took longer than ${Math.round(timeoutMs / 1000)} s and was stopped.`)),
        timeoutMs,
      );
      const signal = task.context.signal;
      if (signal) {
        const onAbort = () => abandon(slot, new AnimeMeError('CANCELLED', 'The job was cancelled.'));
        signal.addEventListener('abort', onAbort, { once: true });
        slot.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      try {
        // The pool's own copy (made in run()) moves to the thread without another copy.
        const bytes = transferable(task.bytes);
        slot.worker.postMessage({ type: 'run', taskId: task.id, bytes, options: task.options } satisfies ToThread, [bytes.buffer as ArrayBuffer]);
      } catch (error) {
        // Options that cannot be cloned, say: this job fails, the slot stays usable.
        finish(slot, (t) => t.reject(new AnimeMeError('INVALID_ARGUMENT', `The job could not be handed to a pipeline thread: ${error instanceof Error ? error.message : String(error)}`)));
        release(slot);
      }
    }
  }

  for (let i = 0; i < size; i++) addSlot(i);

  return {
    size,
    run(bytes, jobOptions, context = {}) {
      if (closed) return Promise.reject(new AnimeMeError('CANCELLED', 'The worker pool is closed.'));
      if (startupError) return Promise.reject(startupError);
      if (context.signal?.aborted) return Promise.reject(new AnimeMeError('CANCELLED', 'The job was cancelled.'));
      if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0) {
        return Promise.reject(new AnimeMeError('INVALID_ARGUMENT', 'Expected non-empty Uint8Array for bytes (a detached or empty buffer cannot be run)'));
      }
      return new Promise<ThreadRunResult>((resolve, reject) => {
        // A copy: the caller keeps its bytes (a retry may reuse them) and the copy can be transferred.
        const task: Task = { id: nextId++, bytes: bytes.slice(), options: jobOptions, context, resolve, reject };
        context.signal?.addEventListener('abort', onWaitingAbort, { once: true });
        waiting.push(task);
        dispatch();
      });
    },
    stats() {
      return {
        size,
        ready: slots.filter((s) => s.ready).length,
        busy: slots.filter((s) => s.task).length,
        waiting: waiting.length,
        restarts,
        ...memoryOf(slots),
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      failWaiting(new AnimeMeError('CANCELLED', 'The worker pool is closing.'));
      for (const slot of slots) {
        if (slot.task && !slot.abandoned) {
          clearTimeout(slot.timer);
          slot.cleanup?.();
          slot.task.reject(new AnimeMeError('CANCELLED', 'The worker pool is closing.'));
        }
        clearTimeout(slot.killTimer);
      }
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}
