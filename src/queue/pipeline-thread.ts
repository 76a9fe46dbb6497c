/**
 * A worker thread that owns one pipeline (models loaded once) and runs one job at a time. Inference
 * (onnxruntime run(), tfjs-wasm) blocks whatever thread it runs on, so it runs here and never on the
 * HTTP process's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AnimeMeError, toAnimeMeError } from '../errors.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { summariseAnalysis } from '../pipeline/summary.js';
import { transferable, type FromThread, type ThreadConfig, type ThreadMemory, type ThreadRunResult, type ToThread } from './thread-protocol.js';

/** Progress messages are cheap but not free: at most one per stage every 100 ms, plus stage edges. */
const PROGRESS_INTERVAL_MS = 100;

const port = parentPort;
if (!port) throw new Error('pipeline-thread.ts must run in a worker thread');

const send = (message: FromThread, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

async function loadPipeline(config: ThreadConfig): Promise<Pipeline> {
  if (config.pipelineModule) {
    const module = (await import(config.pipelineModule)) as { createPipeline?: (options?: Record<string, unknown>) => Pipeline | Promise<Pipeline> };
    if (typeof module.createPipeline !== 'function') {
      throw new AnimeMeError('INTERNAL', `${config.pipelineModule} does not export createPipeline()`);
    }
    return module.createPipeline(config.pipelineOptions);
  }
  const { createAnimeMe } = await import('../node/create-anime-me.js');
  return createAnimeMe(config.pipelineOptions ?? {});
}

const controllers = new Map<number, AbortController>();

/** This thread's heap and buffers (process.memoryUsage() in a worker reports its own isolate), for /healthz and the load bench. */
function threadMemory(): ThreadMemory {
  const { heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { heapUsed, external, arrayBuffers };
}

async function main() {
  let pipeline: Pipeline;
  try {
    pipeline = await loadPipeline((workerData ?? {}) as ThreadConfig);
  } catch (error) {
    const e = toAnimeMeError(error);
    send({ type: 'startup-failed', error: { code: e.code, message: e.message } });
    return;
  }
  // One job at a time: the pool never sends a second run before the first answered, but be safe.
  let chain = Promise.resolve();
  port!.on('message', (message: ToThread) => {
    if (message.type === 'cancel') {
      controllers.get(message.taskId)?.abort();
      return;
    }
    if (message.type === 'run') chain = chain.then(() => runTask(pipeline, message));
  });
  send({ type: 'ready' });
}

async function runTask(pipeline: Pipeline, task: Extract<ToThread, { type: 'run' }>) {
  const controller = new AbortController();
  controllers.set(task.taskId, controller);
  let lastStage = '';
  let lastSent = 0;
  try {
    const result = await pipeline.run(
      task.bytes,
      { ...task.options, signal: controller.signal },
      {
        onProgress: (event) => {
          const t = performance.now();
          if (event.stage === lastStage && event.progress < 1 && t - lastSent < PROGRESS_INTERVAL_MS) return;
          lastStage = event.stage;
          lastSent = t;
          send({ type: 'progress', taskId: task.taskId, stage: event.stage, progress: event.progress });
        },
      },
    );
    const output = transferable(result.output);
    const composite = result.composite ? transferable(result.composite) : undefined;
    const payload: ThreadRunResult = {
      output,
      format: result.format,
      width: result.image.width,
      height: result.image.height,
      ...(composite ? { composite } : {}),
      analysis: summariseAnalysis(result.analysis, { reused: result.analysisReused }),
      description: {
        text: result.description.text,
        tags: result.description.tags,
        preset: result.description.preset.id,
        style: result.description.style,
      },
      prompt: result.description.prompt,
      parameters: result.parameters,
      timings: result.timings,
      input: result.input,
    };
    const transfer = [output.buffer as ArrayBuffer, ...(composite ? [composite.buffer as ArrayBuffer] : [])];
    send({ type: 'done', taskId: task.taskId, result: payload, memory: threadMemory() }, transfer);
  } catch (error) {
    const e = controller.signal.aborted ? new AnimeMeError('CANCELLED', 'The job was cancelled.') : toAnimeMeError(error);
    send({ type: 'error', taskId: task.taskId, error: { code: e.code, message: e.message }, memory: threadMemory() });
  } finally {
    controllers.delete(task.taskId);
  }
}

void main();
