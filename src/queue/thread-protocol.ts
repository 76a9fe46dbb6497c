/**
 * Messages between the worker pool (main thread) and a pipeline thread. Bytes travel as transferred
 * ArrayBuffers, so a photo is moved, not copied.
 */
import type { GenerationParameters } from '../core/png-text.js';
import type { StageName } from '../core/types.js';
import type { summariseAnalysis } from '../pipeline/summary.js';
import type { JobError, JobOptions } from './types.js';

/** What a pipeline thread is told at start-up (worker_threads workerData). */
export interface ThreadConfig {
  /**
   * URL of a module whose `createPipeline(options)` export returns a Pipeline; default: the Node
   * pipeline (createAnimeMe). Tests point it at a stand-in pipeline.
   */
  pipelineModule?: string;
  /** JSON-safe options for that factory. */
  pipelineOptions?: Record<string, unknown>;
}

export type ToThread =
  | { type: 'run'; taskId: number; bytes: Uint8Array; options: JobOptions }
  | { type: 'cancel'; taskId: number };

export interface ThreadRunResult {
  output: Uint8Array;
  format: string;
  width: number;
  height: number;
  composite?: Uint8Array;
  analysis: ReturnType<typeof summariseAnalysis>;
  description: { text: string; tags: string[]; preset: string; style: string };
  prompt: { positive: string; negative: string };
  parameters: GenerationParameters;
  timings: Partial<Record<StageName, number>>;
  input: { format: string; width: number; height: number };
}

/** A pipeline thread's own memory after a task (its V8 heap and the array buffers it holds, WebAssembly memory included). */
export interface ThreadMemory {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export type FromThread =
  | { type: 'ready' }
  | { type: 'startup-failed'; error: JobError }
  | { type: 'progress'; taskId: number; stage: StageName; progress: number }
  | { type: 'done'; taskId: number; result: ThreadRunResult; memory?: ThreadMemory }
  | { type: 'error'; taskId: number; error: JobError; memory?: ThreadMemory };

/**
 * A view that owns its whole ArrayBuffer, so it can be transferred. Small Node Buffers share a pooled
 * ArrayBuffer, and transferring that would detach unrelated buffers; those (and views into larger
 * buffers) are copied instead.
 */
export function transferable(bytes: Uint8Array): Uint8Array {
  const owns = bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return owns && !Buffer.isBuffer(bytes) ? bytes : new Uint8Array(bytes);
}
