/**
 * Opening a Stable Diffusion pack: check the files, read the configs, create the four onnxruntime
 * sessions and resolve their I/O from session metadata. Sessions are heavy (a real UNet is 1.7 GB
 * of fp32 weights), so a process holds ONE set per pack: `openPack` returns a counted handle onto
 * a shared entry keyed by the pack's real path and the session options, and the last `release()`
 * frees it. Per-job state (scheduler, noise) never lives here.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { createOnnxSession, type OnnxDevice, type OnnxSession, type OnnxSessionOptions } from '../../backends/onnx.js';
import { AnimeMeError, isAnimeMeError } from '../../errors.js';
import { expectOneOf, expectPositiveInteger, invalidParameter, is } from '../../validate.js';
import { ONNX_DEVICES } from '../../backends/onnx.js';
import type { SchedulerConfig } from '../schedulers/scheduler.js';
import { openAutoencoder } from './autoencoder.js';
import { readModelIndex, readSchedulerConfig, readVaeScaling } from './config.js';
import { EXPORT_HINT, MODEL_FILE, NETWORKS, TINY_VAE_DIR, TOKENIZER_FILES, type NetworkName } from './layout.js';
import { invalid, missing, throwIfErrors, type PackProblem } from './problems.js';
import { checkSignatures, type AutoencoderIo, type NetworkMetadata, type PackIo } from './signature.js';

export interface PackOptions {
  /** Default 'cpu'. */
  device?: OnnxDevice;
  /** onnxruntime intra-op threads per session (default: onnxruntime's choice, one per core). */
  threads?: number;
  /**
   * Encode and decode through a tiny autoencoder (TAESD) instead of the pack's VAE: `true` uses the
   * pack's own `taesd/` folder, a string names an autoencoder folder elsewhere (relative paths are
   * taken from the pack). Default false.
   */
  tinyVae?: boolean | string;
}

/** The autoencoder img2img encodes and decodes with. */
export interface PackAutoencoder {
  /** 'vae': the pack's own VAE; 'tiny': the folder chosen with `tinyVae`. */
  readonly kind: 'vae' | 'tiny';
  /** Its folder (the pack itself for 'vae'). */
  readonly dir: string;
  /** Encoder mean × scalingFactor = the UNet's latents (from the autoencoder's own config). */
  readonly scalingFactor: number;
  readonly spatialScale: number;
  readonly io: AutoencoderIo;
  readonly encoder: OnnxSession;
  readonly decoder: OnnxSession;
}

export interface StableDiffusionPack {
  /** Absolute, symlink-resolved folder. */
  readonly dir: string;
  readonly modelIndex: Readonly<Record<string, unknown>>;
  /** The pack's scheduler config as shipped; schedulers fill their own defaults. */
  readonly schedulerConfig: Readonly<Partial<SchedulerConfig>>;
  /** The pack's own VAE's scaling (its config, or SD's default with a warning). */
  readonly vae: { readonly scalingFactor: number; readonly spatialScale: number };
  /** What img2img encodes and decodes with: the pack's VAE, or the tiny one when asked for. */
  readonly autoencoder: PackAutoencoder;
  /** The pack's own tiny autoencoder folder (`taesd/`), when it has one. */
  readonly tinyVaeDir: string | undefined;
  readonly io: PackIo;
  /**
   * The pack's sessions. With a tiny autoencoder the pack's own VAE sessions are closed once their
   * signatures are checked (a real SD VAE holds ~300 MB that would sit unused), so they are absent.
   */
  readonly sessions: PackSessions;
  readonly tokenizerDir: string;
  /** Fallbacks applied while loading (e.g. the default VAE scaling factor). */
  readonly warnings: readonly PackProblem[];
  readonly executionProviders: readonly string[];
  /** Give this handle back; the sessions are freed when the last handle is released. */
  release(): Promise<void>;
}

/** Which exporter wrote a pack, guessed from its files: optimum writes a config.json per network. */
export function packExporter(dir: string, modelIndex: Readonly<Record<string, unknown>>): 'legacy' | 'optimum' {
  if (String(modelIndex._class_name ?? '').startsWith('Onnx')) return 'legacy';
  return NETWORKS.some((n) => existsSync(join(dir, n, 'config.json'))) ? 'optimum' : 'legacy';
}

interface PackFiles {
  modelIndex?: Record<string, unknown>;
  schedulerConfig?: Partial<SchedulerConfig>;
  problems: PackProblem[];
}

/** File-level checks shared by loading and verification: every required file, with its path. */
export function checkPackFiles(dir: string): PackFiles {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    return { problems: [missing('pack', dir, `model folder not found: ${dir}`, `pass the folder that holds model_index.json; ${EXPORT_HINT}`)] };
  }
  const index = readModelIndex(dir);
  const problems = [...index.problems];
  if (!index.value) return { problems };
  for (const network of NETWORKS) {
    const path = join(dir, network, MODEL_FILE);
    if (!existsSync(path)) {
      problems.push(
        missing(network, path, `${network}/${MODEL_FILE} not found (tried ${path})`, `a Stable Diffusion ONNX pack needs ${NETWORKS.map((n) => `${n}/${MODEL_FILE}`).join(', ')}; ${EXPORT_HINT}`),
      );
    }
  }
  const scheduler = readSchedulerConfig(dir);
  problems.push(...scheduler.problems);
  for (const file of [TOKENIZER_FILES.vocab, TOKENIZER_FILES.merges]) {
    const path = join(dir, file);
    if (!existsSync(path)) problems.push(missing('tokenizer', path, `${file} not found (tried ${path})`, 'copy the tokenizer/ folder (vocab.json, merges.txt) from the model\'s original repository'));
  }
  return { modelIndex: index.value, ...(scheduler.value ? { schedulerConfig: scheduler.value } : {}), problems };
}

/** Create one session per network; load failures become problems naming the file. */
export async function createPackSessions(
  dir: string,
  options: OnnxSessionOptions,
): Promise<{ sessions?: Record<NetworkName, OnnxSession>; problems: PackProblem[] }> {
  const problems: PackProblem[] = [];
  const created: Partial<Record<NetworkName, OnnxSession>> = {};
  // One at a time: creating a real UNet session peaks at about twice its weights in memory.
  for (const network of NETWORKS) {
    const path = join(dir, network, MODEL_FILE);
    try {
      created[network] = await createOnnxSession(path, options);
    } catch (error) {
      if (!isAnimeMeError(error) || (error.code !== 'MODEL_INVALID' && error.code !== 'MODEL_MISSING')) throw error;
      problems.push(
        invalid(network, path, `${network}/${MODEL_FILE} could not be loaded: ${error.message}`, 'if the export keeps its weights in a separate file (weights.pb, model.onnx_data), keep that file next to model.onnx'),
      );
    }
  }
  if (problems.length > 0) {
    await Promise.all(Object.values(created).map((s) => s.dispose()));
    return { problems };
  }
  return { sessions: created as Record<NetworkName, OnnxSession>, problems };
}

export function sessionMetadata(sessions: Readonly<Record<NetworkName, OnnxSession>>): Record<NetworkName, NetworkMetadata> {
  const meta = {} as Record<NetworkName, NetworkMetadata>;
  for (const network of NETWORKS) meta[network] = { inputs: sessions[network].inputs, outputs: sessions[network].outputs };
  return meta;
}

type SharedPack = Omit<StableDiffusionPack, 'release'>;

interface CacheEntry {
  pack: Promise<SharedPack>;
  refs: number;
}

const cache = new Map<string, CacheEntry>();

/** The pack's own tiny autoencoder folder, if it has one (both parts present). */
export function packTinyVaeDir(dir: string): string | undefined {
  const tiny = join(dir, TINY_VAE_DIR);
  return existsSync(tiny) && statSync(tiny).isDirectory() ? tiny : undefined;
}

/** `tinyVae` option → the autoencoder folder to open, or undefined for the pack's own VAE. */
export function resolveTinyVaeDir(packDir: string, tinyVae: boolean | string | undefined): string | undefined {
  if (tinyVae === undefined || tinyVae === false) return undefined;
  if (tinyVae === true) return join(packDir, TINY_VAE_DIR);
  return isAbsolute(tinyVae) ? tinyVae : resolve(packDir, tinyVae);
}

export type PackSessions = Readonly<Pick<Record<NetworkName, OnnxSession>, 'text_encoder' | 'unet'>> &
  Readonly<Partial<Pick<Record<NetworkName, OnnxSession>, 'vae_encoder' | 'vae_decoder'>>>;

async function loadShared(dir: string, options: OnnxSessionOptions, tinyVaeDir: string | undefined): Promise<SharedPack> {
  const files = checkPackFiles(dir);
  throwIfErrors(dir, files.problems);
  const vae = readVaeScaling(dir);
  throwIfErrors(dir, vae.problems);
  const { sessions, problems } = await createPackSessions(dir, options);
  throwIfErrors(dir, problems);
  const signatures = checkSignatures(dir, sessionMetadata(sessions!));
  if (!signatures.io) {
    await Promise.all(Object.values(sessions!).map((s) => s.dispose()));
    throwIfErrors(dir, signatures.problems);
    throw new AnimeMeError('INTERNAL', `Model pack ${dir}: signature check gave no result`);
  }
  const io = signatures.io;
  let autoencoder: PackAutoencoder = {
    kind: 'vae',
    dir,
    scalingFactor: vae.scalingFactor,
    spatialScale: vae.spatialScale,
    io: { encoder: io.vaeEncoder, decoder: io.vaeDecoder },
    encoder: sessions!.vae_encoder,
    decoder: sessions!.vae_decoder,
  };
  const warnings = vae.problems.filter((p) => p.severity === 'warning');
  if (tinyVaeDir !== undefined) {
    const tiny = await openAutoencoder(tinyVaeDir, options, io.unet.latentChannels);
    if (!tiny.autoencoder) {
      await Promise.all(Object.values(sessions!).map((s) => s.dispose()));
      throwIfErrors(dir, tiny.problems);
      throw new AnimeMeError('INTERNAL', `Model pack ${dir}: tiny autoencoder check gave no result`);
    }
    const t = tiny.autoencoder;
    warnings.push(...t.warnings);
    autoencoder = { kind: 'tiny', dir: t.dir, scalingFactor: t.scalingFactor, spatialScale: t.spatialScale, io: t.io, encoder: t.encoder, decoder: t.decoder };
  }
  let kept: PackSessions = sessions!;
  if (autoencoder.kind === 'tiny') {
    const { vae_encoder, vae_decoder, ...rest } = sessions!;
    await Promise.all([vae_encoder.dispose(), vae_decoder.dispose()]);
    kept = rest;
  }
  return {
    dir,
    modelIndex: files.modelIndex!,
    schedulerConfig: files.schedulerConfig!,
    vae: { scalingFactor: vae.scalingFactor, spatialScale: vae.spatialScale },
    autoencoder,
    tinyVaeDir: packTinyVaeDir(dir),
    io,
    sessions: kept,
    tokenizerDir: join(dir, 'tokenizer'),
    warnings,
    executionProviders: sessions!.unet.executionProviders,
  };
}

function checkOptions(options: PackOptions): OnnxSessionOptions {
  if (!is.plainObject(options)) throw invalidParameter('an options object', 'options', options);
  const session: OnnxSessionOptions = { device: options.device === undefined ? 'cpu' : expectOneOf(options.device, 'device', ONNX_DEVICES) };
  if (options.threads !== undefined) session.intraOpThreads = expectPositiveInteger(options.threads, 'threads', 256);
  if (options.tinyVae !== undefined && !is.bool(options.tinyVae) && !(is.string(options.tinyVae) && options.tinyVae.length > 0)) {
    throw invalidParameter('true, false or an autoencoder folder path', 'tinyVae', options.tinyVae);
  }
  return session;
}

/**
 * Open (or share) a Stable Diffusion pack. Errors: MODEL_MISSING (folder or a required file
 * absent; the message names every path tried), MODEL_INVALID (bad JSON, unloadable ONNX, wrong
 * tensor signatures), INVALID_ARGUMENT (bad options).
 */
export async function openPack(dir: string, options: PackOptions = {}): Promise<StableDiffusionPack> {
  if (!is.string(dir) || dir.length === 0) throw invalidParameter('a model folder path', 'dir', dir);
  const sessionOptions = checkOptions(options);
  let absolute = resolve(dir);
  try {
    absolute = realpathSync(absolute);
  } catch {
    // A missing folder is reported by the file checks with the path as given.
  }
  const tinyVaeDir = resolveTinyVaeDir(absolute, options.tinyVae);
  const key = `${absolute}\0${sessionOptions.device}\0${sessionOptions.intraOpThreads ?? ''}\0${tinyVaeDir ?? ''}`;
  let entry = cache.get(key);
  if (!entry) {
    entry = { pack: loadShared(absolute, sessionOptions, tinyVaeDir), refs: 0 };
    cache.set(key, entry);
    // A failed load must not stay cached: the user may fix the folder and retry.
    entry.pack.catch(() => {
      if (cache.get(key) === entry) cache.delete(key);
    });
  }
  entry.refs++;
  const current = entry;
  let shared: SharedPack;
  try {
    shared = await current.pack;
  } catch (error) {
    current.refs--;
    throw error;
  }
  let released = false;
  return {
    ...shared,
    async release() {
      if (released) return;
      released = true;
      current.refs--;
      if (current.refs > 0) return;
      if (cache.get(key) === current) cache.delete(key);
      const sessions = new Set([...Object.values(shared.sessions), shared.autoencoder.encoder, shared.autoencoder.decoder]);
      await Promise.all([...sessions].map((s) => s.dispose()));
    },
  };
}

/** How many packs this process holds open (for tests and diagnostics). */
export function openPackCount(): number {
  return cache.size;
}
