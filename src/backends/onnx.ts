/**
 * The one place anime-me touches onnxruntime-node. Everything else sees plain typed-array tensors
 * (`OnnxTensor`) and AnimeMeError codes, so models can move to another runtime by changing this file.
 *
 * Note: onnxruntime-node's `run()` executes synchronously on the calling thread (the promise only
 * defers it), so long runs belong in a worker thread; this API is async so callers need not care.
 */
import * as ort from 'onnxruntime-node';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AnimeMeError } from '../errors.js';
import type { OnnxDataType } from '../onnx/model.js';
import { expectOneOf, expectPositiveInteger, invalidParameter, is } from '../validate.js';

export type OnnxTensorData =
  | Float32Array
  | Float64Array
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A tensor as plain data: values row-major, float16 as Uint16Array bits, bool as Uint8Array. */
export interface OnnxTensor {
  type: OnnxDataType;
  data: OnnxTensorData;
  dims: readonly number[];
}

export interface OnnxValueInfo {
  name: string;
  /** Undefined for non-tensor values (sequences, maps). */
  dataType?: OnnxDataType;
  /** Numbers for fixed dims, names for dynamic ones; empty when unknown. */
  shape: ReadonlyArray<number | string>;
}

export const ONNX_DEVICES = ['cpu', 'cuda', 'auto'] as const;
/** 'auto' tries CUDA when this onnxruntime build lists it and falls back to CPU. */
export type OnnxDevice = (typeof ONNX_DEVICES)[number];

/** Execution providers to ask for, in priority order, by device. */
export const EXECUTION_PROVIDERS: Readonly<Record<OnnxDevice, readonly string[]>> = {
  cpu: ['cpu'],
  cuda: ['cuda', 'cpu'],
  auto: ['cuda', 'cpu'],
};

export interface OnnxSessionOptions {
  /** Threads used inside one operator (default: onnxruntime's choice, one per physical core). */
  intraOpThreads?: number;
  /** Threads running independent operators in parallel (default 1: sequential execution). */
  interOpThreads?: number;
  /** Default 'cpu'. */
  device?: OnnxDevice;
  /** Default 'all'. */
  graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** onnxruntime log level, 0 (verbose) .. 4 (fatal). Default 3 (errors only). */
  logLevel?: 0 | 1 | 2 | 3 | 4;
  /**
   * Let idle intra-op threads busy-wait for the next operator (onnxruntime's default, true). Turn
   * off on shared or small machines, where spinning threads steal CPU from everything else.
   */
  allowSpinning?: boolean;
}

export interface OnnxSession {
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  /** Execution providers this session was created with, e.g. ['cpu']. */
  readonly executionProviders: readonly string[];
  /** Run the model. Only the named outputs are computed when `outputNames` is given. */
  run(feeds: Readonly<Record<string, OnnxTensor>>, outputNames?: readonly string[]): Promise<Record<string, OnnxTensor>>;
  dispose(): Promise<void>;
}

/** Names of the execution providers this onnxruntime-node build knows (bundled or not). */
export function listExecutionProviders(): { name: string; bundled: boolean }[] {
  return ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
}

/**
 * Whether the CUDA provider library is installed next to onnxruntime-node's binding. It is not
 * bundled: the package's postinstall fetches it from outside npm, which our .npmrc skips.
 */
export function isCudaProviderInstalled(): boolean {
  try {
    const root = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const ext = process.platform === 'win32' ? 'dll' : 'so';
    const prefix = process.platform === 'win32' ? '' : 'lib';
    return existsSync(join(root, 'bin', 'napi-v6', process.platform, process.arch, `${prefix}onnxruntime_providers_cuda.${ext}`));
  } catch {
    return false;
  }
}

/** The provider list for a device, keeping only providers this install can load. */
export function executionProvidersFor(device: OnnxDevice): string[] {
  const usable = new Set(listExecutionProviders().filter((b) => b.bundled || (b.name === 'cuda' && isCudaProviderInstalled())).map((b) => b.name));
  return EXECUTION_PROVIDERS[device].filter((name) => usable.has(name));
}

function toValueInfo(meta: ort.InferenceSession.ValueMetadata): OnnxValueInfo {
  if (!meta.isTensor) return { name: meta.name, shape: [] };
  return { name: meta.name, dataType: meta.type as OnnxDataType, shape: [...meta.shape] };
}

function checkOptions(options: OnnxSessionOptions): void {
  if (!is.plainObject(options)) throw invalidParameter('an options object', 'options', options);
  if (options.intraOpThreads !== undefined) expectPositiveInteger(options.intraOpThreads, 'intraOpThreads', 256);
  if (options.interOpThreads !== undefined) expectPositiveInteger(options.interOpThreads, 'interOpThreads', 256);
  if (options.allowSpinning !== undefined && !is.bool(options.allowSpinning)) {
    throw invalidParameter('a boolean', 'allowSpinning', options.allowSpinning);
  }
  if (options.device !== undefined) expectOneOf(options.device, 'device', ONNX_DEVICES);
  if (options.graphOptimization !== undefined) {
    expectOneOf(options.graphOptimization, 'graphOptimization', ['disabled', 'basic', 'extended', 'all'] as const);
  }
}

function ortOptions(options: OnnxSessionOptions, providers: readonly string[]): ort.InferenceSession.SessionOptions {
  // onnxruntime-node rejects keys that are present but undefined, so only set what was given.
  const result: ort.InferenceSession.SessionOptions = {
    executionProviders: [...providers],
    executionMode: options.interOpThreads && options.interOpThreads > 1 ? 'parallel' : 'sequential',
    graphOptimizationLevel: options.graphOptimization ?? 'all',
    logSeverityLevel: options.logLevel ?? 3,
  };
  if (options.intraOpThreads !== undefined) result.intraOpNumThreads = options.intraOpThreads;
  if (options.interOpThreads !== undefined) result.interOpNumThreads = options.interOpThreads;
  if (options.allowSpinning !== undefined) {
    const spin = options.allowSpinning ? '1' : '0';
    result.extra = { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } };
  }
  return result;
}

async function createOrtSession(
  model: Uint8Array | string,
  options: ort.InferenceSession.SessionOptions,
): Promise<ort.InferenceSession> {
  return typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);
}

function describeModel(model: Uint8Array | string): string {
  return typeof model === 'string' ? model : `${model.byteLength}-byte model`;
}

/**
 * Create a session from ONNX bytes or a file path.
 * Errors: MODEL_MISSING (no such file), MODEL_INVALID (not a loadable ONNX model),
 * INVALID_ARGUMENT (bad options, or device 'cuda' where this build has no CUDA provider).
 */
export async function createOnnxSession(model: Uint8Array | string, options: OnnxSessionOptions = {}): Promise<OnnxSession> {
  checkOptions(options);
  if (typeof model === 'string') {
    if (!existsSync(model)) {
      throw new AnimeMeError('MODEL_MISSING', `ONNX model file not found: ${model}`, { details: { path: model } });
    }
  } else if (!(model instanceof Uint8Array) || model.byteLength === 0) {
    throw invalidParameter('non-empty ONNX model bytes (Uint8Array) or a file path', 'model', model);
  }
  const device = options.device ?? 'cpu';
  const providers = executionProvidersFor(device);
  if (device === 'cuda' && !providers.includes('cuda')) {
    throw new AnimeMeError('INVALID_ARGUMENT', `Device "cuda" is not available: onnxruntime-node's CUDA provider library is not installed; use "cpu" or "auto"`, {
      details: { parameter: 'device' },
    });
  }

  let session: ort.InferenceSession;
  let used = providers;
  try {
    session = await createOrtSession(model, ortOptions(options, providers));
  } catch (error) {
    // 'auto' asks for CUDA speculatively: a missing CUDA provider library is not an error then.
    if (device === 'auto' && providers[0] !== 'cpu') {
      used = ['cpu'];
      try {
        session = await createOrtSession(model, ortOptions(options, used));
      } catch (cpuError) {
        throw loadError(model, cpuError);
      }
    } else {
      throw loadError(model, error);
    }
  }

  const inputs = session.inputMetadata.map(toValueInfo);
  const outputs = session.outputMetadata.map(toValueInfo);
  const inputNames = new Set(session.inputNames);
  let disposed = false;

  return {
    inputs,
    outputs,
    executionProviders: used,
    async run(feeds, outputNames) {
      if (disposed) throw new AnimeMeError('INVALID_ARGUMENT', 'This ONNX session was disposed');
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, tensor] of Object.entries(feeds)) {
        if (!inputNames.has(name)) {
          throw invalidParameter(`one of the model inputs (${[...inputNames].join(', ')})`, 'feed name', name);
        }
        ortFeeds[name] = new ort.Tensor(tensor.type as never, tensor.data as never, [...tensor.dims]);
      }
      let results: ort.InferenceSession.ReturnType;
      try {
        results = outputNames ? await session.run(ortFeeds, [...outputNames]) : await session.run(ortFeeds);
      } catch (error) {
        const shapes = Object.entries(feeds).map(([name, t]) => `${name}: ${t.type}[${t.dims.join('x')}]`);
        throw new AnimeMeError('INTERNAL', `ONNX run failed (${shapes.join(', ')}): ${(error as Error).message ?? error}`, {
          cause: error,
        });
      }
      const out: Record<string, OnnxTensor> = {};
      for (const [name, value] of Object.entries(results)) {
        const tensor = value as ort.Tensor;
        out[name] = { type: tensor.type as OnnxDataType, data: tensor.data as OnnxTensorData, dims: tensor.dims };
      }
      return out;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await session.release();
    },
  };
}

function loadError(model: Uint8Array | string, error: unknown): AnimeMeError {
  const reason = error instanceof Error ? error.message : String(error);
  return new AnimeMeError('MODEL_INVALID', `Could not load ONNX model (${describeModel(model)}): ${reason}`, { cause: error });
}
