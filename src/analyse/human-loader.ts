/**
 * Node edge: loads @vladmandic/human's node-wasm build with models read from disk.
 *
 * Why this shape (see shared/notes/analysis-with-human.md):
 * - `import '@vladmandic/human'` resolves to the tfjs-node build, which is not installed, and human's
 *   `exports` map is malformed, so we resolve the package entry without loading it and require its sibling.
 * - tfjs-core only knows http(s) loaders in Node without tfjs-node, so a file:// router is registered on the
 *   same tfjs instance human uses.
 * - human caches models in module-level variables, so there is one loaded instance per process.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Config, Human } from '@vladmandic/human';
import { AnimeMeError } from '../errors.js';

type Tf = typeof import('@tensorflow/tfjs-core');

/** The part of a tfjs GraphModel the analyser uses (tfjs-converter's type is not re-exported by human). */
export interface GraphModelLike {
  inputs: { shape?: number[] }[];
  execute(input: unknown): unknown;
}

export interface HumanLoaderOptions {
  /** Folder with human's default models (blazeface, facemesh, faceres, …). Default: @vladmandic/human/models. */
  modelsDir?: string;
  /** Folder with the models vendored by this project (selfie, gender CNN, faceres-deep, multipose). Default: <repo>/models/human. */
  vendoredModelsDir?: string;
}

export interface LoadedHuman {
  human: Human;
  tf: Tf;
  /** Absolute file:// URL of the vendored selfie segmentation model, when present. */
  selfieModelUrl?: string;
  /** The vendored grayscale gender CNN (a gender voter next to faceres), when present. */
  genderModel?: GraphModelLike;
  /** The vendored faceres-deep (age, and a gender voter), when present; faceres alone gives age otherwise. */
  faceresDeepModel?: GraphModelLike;
  /** The vendored movenet-multipose (up to 6 people), when present; else human's single-person movenet-lightning. */
  multiposeModel?: GraphModelLike;
  /** Model names that were loaded. */
  models: string[];
  loadMs: number;
}

const require = createRequire(import.meta.url);

/** Models read from human's own package; the vendored ones are listed separately. */
const DEFAULT_MODEL_FILES = [
  'blazeface.json',
  'facemesh.json',
  'iris.json',
  'faceres.json',
  'emotion.json',
  'movenet-lightning.json',
  'centernet.json',
] as const;
const SELFIE_FILE = 'selfie.json';
/** face_classification's 64×64 grayscale gender CNN, which human calls `ssrnet` gender (see models/human/README.md). */
const GENDER_FILE = 'gender.json';
/** HSE faceres-deep: same input and outputs as faceres, more accurate on age (shared note: 80.9 vs 76.6 %). */
const FACERES_DEEP_FILE = 'faceres-deep.json';
const MULTIPOSE_FILE = 'movenet-multipose.json';

let loading: Promise<LoadedHuman> | undefined;

function humanPackageDir(): string {
  // require.resolve gives .../@vladmandic/human/dist/human.node.js without executing it.
  return path.dirname(path.dirname(require.resolve('@vladmandic/human')));
}

function findUp(start: string, relative: string): string | undefined {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function defaultHumanModelsDir(): string {
  return path.join(humanPackageDir(), 'models');
}

export function defaultVendoredModelsDir(): string | undefined {
  return findUp(path.dirname(fileURLToPath(import.meta.url)), path.join('models', 'human'));
}

function missing(file: string, hint: string): AnimeMeError {
  return new AnimeMeError('MODEL_MISSING', `Model file not found: ${file}. ${hint}`, { details: { path: file } });
}

/** Base settings shared by every detect() call; per-call module switches are added by the analyser. */
export function baseHumanConfig(modelsDir: string, wasmPath: string): Partial<Config> {
  return {
    backend: 'wasm',
    wasmPath,
    modelBasePath: `${pathToFileURL(modelsDir).href}/`,
    cacheModels: false,
    async: false,
    warmup: 'none',
    debug: false,
    cacheSensitivity: 0,
    skipAllowed: false,
    filter: { enabled: false },
    gesture: { enabled: false },
    hand: { enabled: false },
    segmentation: { enabled: false },
    face: {
      enabled: true,
      detector: {
        modelPath: 'blazeface.json',
        rotation: true,
        maxDetected: 20,
        minConfidence: 0.2,
        iouThreshold: 0.1,
        skipFrames: 0,
        return: false,
      },
      mesh: { enabled: true, modelPath: 'facemesh.json', keepInvalid: false },
      attention: { enabled: false },
      iris: { enabled: true, modelPath: 'iris.json' },
      description: { enabled: true, modelPath: 'faceres.json' },
      emotion: { enabled: true, modelPath: 'emotion.json', minConfidence: 0.05 },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      gear: { enabled: false },
    },
    body: { enabled: true, modelPath: 'movenet-lightning.json', maxDetected: 1, minConfidence: 0.2 },
    object: { enabled: true, modelPath: 'centernet.json', maxDetected: 20, minConfidence: 0.2 },
  } as Partial<Config>;
}

/** A tfjs IO router for file:// URLs: reads model.json and concatenates its weight shards. */
function registerFileRouter(tf: Tf): void {
  const router = (url: string | string[]) => {
    const href = Array.isArray(url) ? url[0] : url;
    if (typeof href !== 'string' || !href.startsWith('file://')) return null;
    const jsonPath = fileURLToPath(href);
    return {
      load: async () => {
        const json = JSON.parse(await readFile(jsonPath, 'utf8'));
        return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
          const specs = manifest.flatMap((group) => group.weights);
          const buffers = await Promise.all(
            manifest.flatMap((group) => group.paths).map((p) => readFile(path.join(path.dirname(jsonPath), p))),
          );
          const total = buffers.reduce((n, b) => n + b.byteLength, 0);
          const joined = new Uint8Array(total);
          let offset = 0;
          for (const b of buffers) {
            joined.set(b, offset);
            offset += b.byteLength;
          }
          return [specs, joined.buffer];
        });
      },
    };
  };
  // tfjs's router type has no null return, though the registry accepts one for "not mine".
  tf.io.registerLoadRouter(router as unknown as Parameters<Tf['io']['registerLoadRouter']>[0]);
}

async function load(options: HumanLoaderOptions): Promise<LoadedHuman> {
  const started = performance.now();
  const modelsDir = options.modelsDir ?? defaultHumanModelsDir();
  for (const file of DEFAULT_MODEL_FILES) {
    const full = path.join(modelsDir, file);
    if (!existsSync(full)) {
      throw missing(full, 'Reinstall dependencies (npm ci) so @vladmandic/human/models is present, or pass modelsDir pointing at a folder holding it.');
    }
  }
  const vendoredDir = options.vendoredModelsDir ?? defaultVendoredModelsDir();
  const selfiePath = vendoredDir ? path.join(vendoredDir, SELFIE_FILE) : undefined;
  const selfieModelUrl = selfiePath && existsSync(selfiePath) ? pathToFileURL(selfiePath).href : undefined;

  const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), path.sep);
  const wasmDist = wasmDir.endsWith(`${path.sep}dist${path.sep}`) ? wasmDir : path.join(wasmDir, '..', 'dist', path.sep);

  const humanModule = require(path.join(path.dirname(require.resolve('@vladmandic/human')), 'human.node-wasm.js')) as {
    Human: new (config?: Partial<Config>) => Human;
  };
  const human = new humanModule.Human(baseHumanConfig(modelsDir, wasmDist));
  const tf = human.tf as Tf;
  registerFileRouter(tf);
  await human.init();
  await human.load();
  const models = DEFAULT_MODEL_FILES.map((f) => f.replace(/\.json$/, ''));
  if (selfieModelUrl) {
    // Loading through segmentation() once caches the graph inside human; a 1×1 input keeps it cheap.
    const probe = tf.zeros([1, 8, 8, 3], 'int32') as unknown as Parameters<Human['segmentation']>[0];
    const out = await human.segmentation(probe, {
      segmentation: { enabled: true, modelPath: selfieModelUrl, mode: 'alpha' },
    } as Partial<Config>);
    tf.dispose([probe as never, out as never]);
    models.push('selfie');
  }
  // human.tf bundles tfjs-converter; loadGraphModel goes through the file:// router above. Each vendored model is
  // optional: without it the analyser falls back to what human ships (see models/human/README.md).
  const converter = tf as unknown as { loadGraphModel(url: string): Promise<GraphModelLike> };
  const loadVendored = async (file: string, name: string): Promise<GraphModelLike | undefined> => {
    const full = vendoredDir ? path.join(vendoredDir, file) : undefined;
    if (!full || !existsSync(full)) return undefined;
    const model = await converter.loadGraphModel(pathToFileURL(full).href);
    models.push(name);
    return model;
  };
  const genderModel = await loadVendored(GENDER_FILE, 'gender');
  const faceresDeepModel = await loadVendored(FACERES_DEEP_FILE, 'faceres-deep');
  const multiposeModel = await loadVendored(MULTIPOSE_FILE, 'movenet-multipose');
  return { human, tf, selfieModelUrl, genderModel, faceresDeepModel, multiposeModel, models, loadMs: performance.now() - started };
}

/**
 * The process-wide human instance, loaded on first use. Later calls with different folders get the
 * first instance: human keeps its models in module state, so a second set could not be loaded anyway.
 */
export function loadHuman(options: HumanLoaderOptions = {}): Promise<LoadedHuman> {
  if (!loading) {
    loading = load(options).catch((error: unknown) => {
      loading = undefined;
      if (error instanceof AnimeMeError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new AnimeMeError('MODEL_INVALID', `Could not load the analysis models: ${message}`, { cause: error });
    });
  }
  return loading;
}
