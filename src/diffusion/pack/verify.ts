/**
 * `anime-me models verify|list`: check a pack completely (files, configs, loadable networks, tensor
 * signatures) and report every problem with the path tried and how to fix it; list the packs in a
 * models folder from their files alone.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createOnnxSession, type OnnxSession } from '../../backends/onnx.js';
import { isAnimeMeError } from '../../errors.js';
import { invalidParameter, is } from '../../validate.js';
import { createScheduler } from '../schedulers/index.js';
import { readJsonObject, readVaeScaling } from './config.js';
import { openAutoencoder, readAutoencoderFolder } from './autoencoder.js';
import { checkImageToImageSignature, readImageToImageManifest } from './image-to-image.js';
import { AUTOENCODER_PARTS, EXPORT_HINT, IMAGE_TO_IMAGE_MANIFEST, MODEL_FILE, MODEL_INDEX, type PackKind } from './layout.js';
import { checkPackFiles, createPackSessions, packExporter, packTinyVaeDir, sessionMetadata } from './load.js';
import { invalid, missing, type PackProblem } from './problems.js';
import { checkSignatures } from './signature.js';

/** The scheduler every pack must at least work with; its config checks are the strict ones. */
const PROBE_SCHEDULER = 'ddim';

export function packKind(dir: string): PackKind | undefined {
  if (existsSync(join(dir, MODEL_INDEX))) return 'stable-diffusion';
  if (existsSync(join(dir, IMAGE_TO_IMAGE_MANIFEST))) return 'image-to-image';
  const has = (names: readonly string[]) => names.some((n) => existsSync(join(dir, n, MODEL_FILE)));
  if (has(AUTOENCODER_PARTS.encoder) && has(AUTOENCODER_PARTS.decoder)) return 'autoencoder';
  return undefined;
}

/**
 * Every problem with the pack in `dir` (empty when it is fine; warnings are fallbacks that still
 * load). Loads each network once, without graph optimisation, to read its real signature.
 */
export async function verifyPack(dir: string): Promise<PackProblem[]> {
  if (!is.string(dir) || dir.length === 0) throw invalidParameter('a model folder path', 'dir', dir);
  const absolute = resolve(dir);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    return [missing('pack', absolute, `model folder not found: ${absolute}`, `pass the folder that holds ${MODEL_INDEX}; ${EXPORT_HINT}`)];
  }
  const kind = packKind(absolute);
  if (kind === 'image-to-image') return verifyImageToImage(absolute);
  if (kind === 'autoencoder') return verifyAutoencoder(absolute, undefined);
  return verifyStableDiffusion(absolute);
}

/**
 * An autoencoder folder (TAESD): files, config scaling, loadable networks and signatures, for a
 * UNet with `latentChannels` (default: the folder's config, else SD's 4).
 */
async function verifyAutoencoder(dir: string, latentChannels: number | undefined): Promise<PackProblem[]> {
  const channels = latentChannels ?? readAutoencoderFolder(dir).latentChannels ?? 4;
  const { autoencoder, problems } = await openAutoencoder(dir, { graphOptimization: 'disabled' }, channels);
  if (autoencoder) await Promise.all([autoencoder.encoder.dispose(), autoencoder.decoder.dispose()]);
  return problems;
}

async function verifyStableDiffusion(dir: string): Promise<PackProblem[]> {
  const files = checkPackFiles(dir);
  const problems = [...files.problems];
  if (!files.modelIndex) return problems;
  if (files.schedulerConfig) {
    try {
      createScheduler(PROBE_SCHEDULER, files.schedulerConfig);
    } catch (error) {
      if (!isAnimeMeError(error) || error.code === 'INTERNAL') throw error;
      const path = join(dir, 'scheduler', 'scheduler_config.json');
      problems.push(invalid('scheduler', path, `${path}: ${error.message}`));
    }
  }
  problems.push(...readVaeScaling(dir).problems);
  if (problems.some((p) => p.code === 'MODEL_MISSING' && p.severity === 'error' && p.component !== 'tokenizer' && p.component !== 'scheduler')) {
    return problems; // without every network there are no signatures to check
  }
  const { sessions, problems: loadProblems } = await createPackSessions(dir, { graphOptimization: 'disabled' });
  problems.push(...loadProblems);
  let latentChannels: number | undefined;
  if (sessions) {
    try {
      const checked = checkSignatures(dir, sessionMetadata(sessions));
      problems.push(...checked.problems);
      latentChannels = checked.io?.unet.latentChannels;
    } finally {
      await Promise.all(Object.values(sessions).map((s) => s.dispose()));
    }
  }
  // The optional tiny autoencoder is checked against the UNet it would feed.
  const tiny = packTinyVaeDir(dir);
  if (tiny) problems.push(...(await verifyAutoencoder(tiny, latentChannels)));
  return problems;
}

async function verifyImageToImage(dir: string): Promise<PackProblem[]> {
  const { manifest, problems } = readImageToImageManifest(dir);
  if (!manifest || problems.length > 0) return problems;
  const path = join(dir, manifest.model);
  let session: OnnxSession;
  try {
    session = await createOnnxSession(path, { graphOptimization: 'disabled' });
  } catch (error) {
    if (!isAnimeMeError(error)) throw error;
    return [invalid('model', path, `${manifest.model} could not be loaded: ${error.message}`)];
  }
  try {
    return checkImageToImageSignature(dir, manifest, session);
  } finally {
    await session.dispose();
  }
}

export interface PackListing {
  /** Absolute folder. */
  dir: string;
  /** Folder name, or the manifest's name for image-to-image packs. */
  name: string;
  kind: PackKind;
  /** Stable Diffusion packs: which exporter wrote it (guessed from the files). */
  exporter?: 'legacy' | 'optimum';
  /** model_index.json's `_class_name`, or the manifest's description. */
  description?: string;
  /** Stable Diffusion packs: the pack's own tiny autoencoder folder (taesd/), if any. */
  tinyVae?: string;
}

/**
 * The packs in `dir` (the folder itself and its direct subfolders), from their files alone: fast,
 * loads nothing. Use `verifyPack` to check one.
 */
export function listPacks(dir: string): PackListing[] {
  if (!is.string(dir) || dir.length === 0) throw invalidParameter('a models folder path', 'dir', dir);
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) return [];
  // A pack folder lists itself only: its subfolders (networks, taesd/) are its parts.
  const candidates = packKind(root)
    ? [root]
    : [root, ...readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(root, e.name)).sort()];
  const packs: PackListing[] = [];
  for (const candidate of candidates) {
    const kind = packKind(candidate);
    if (kind === 'stable-diffusion') {
      const index = readJsonObject(join(candidate, MODEL_INDEX), 'model_index', true).value ?? {};
      const className = typeof index._class_name === 'string' ? index._class_name : undefined;
      const tinyVae = packTinyVaeDir(candidate);
      packs.push({
        dir: candidate,
        name: basename(candidate),
        kind,
        exporter: packExporter(candidate, index),
        ...(className ? { description: className } : {}),
        ...(tinyVae ? { tinyVae } : {}),
      });
    } else if (kind === 'image-to-image') {
      const { manifest } = readImageToImageManifest(candidate);
      packs.push({ dir: candidate, name: manifest?.name ?? basename(candidate), kind, ...(manifest?.description ? { description: manifest.description } : {}) });
    } else if (kind === 'autoencoder') {
      const { className } = readAutoencoderFolder(candidate);
      packs.push({ dir: candidate, name: basename(candidate), kind, ...(className ? { description: className } : {}) });
    }
  }
  return packs;
}
