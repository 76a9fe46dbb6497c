/**
 * Alternative autoencoders: a tiny one (TAESD, diffusers' `AutoencoderTiny`) for fast encode and
 * decode, or any other VAE exported in the pack layout. The folder holds an encoder and a decoder
 * folder (`vae_encoder`/`vae_decoder`, or the community names `encoder`/`decoder`), each with
 * model.onnx, and a config.json giving `scaling_factor` (TAESD's latents are already scaled, so its
 * config says 1.0; SD's KL VAE says 0.18215). The signatures are the pack VAE's, so the pipeline
 * encodes and decodes through either the same way.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createOnnxSession, type OnnxSession, type OnnxSessionOptions } from '../../backends/onnx.js';
import { isAnimeMeError } from '../../errors.js';
import { DEFAULT_VAE_SCALING_FACTOR, DEFAULT_VAE_SPATIAL_SCALE, readJsonObject } from './config.js';
import { AUTOENCODER_PARTS, MODEL_FILE, NETWORK_CONFIG, TINY_VAE_DIR } from './layout.js';
import { invalid, missing, warning, type PackProblem } from './problems.js';
import { checkAutoencoderSignatures, type AutoencoderIo } from './signature.js';

/** diffusers' `AutoencoderTiny` class default, used only when its config omits scaling_factor. */
export const TINY_VAE_DEFAULT_SCALING_FACTOR = 1.0;

/** Problems about the alternative autoencoder are reported under this component. */
export const TINY_VAE_COMPONENT = 'tiny_vae';

const FOLDER_FIX = `an autoencoder folder holds ${AUTOENCODER_PARTS.encoder[0]}/${MODEL_FILE} and ${AUTOENCODER_PARTS.decoder[0]}/${MODEL_FILE} (or encoder/ and decoder/), each with config.json; \`npm run tiny-pack\` writes one in <pack>/${TINY_VAE_DIR}`;

export interface AutoencoderFolder {
  dir: string;
  /** The encoder's and decoder's folders inside `dir` (when both were found). */
  folders?: { encoder: string; decoder: string };
  /** From config `_class_name`: 'AutoencoderTiny', 'AutoencoderKL', or undefined. */
  className?: string;
  scalingFactor: number;
  spatialScale: number;
  /** From the config, when it says. */
  latentChannels?: number;
  problems: PackProblem[];
}

function findPart(dir: string, names: readonly string[]): string | undefined {
  return names.find((name) => existsSync(join(dir, name, MODEL_FILE)));
}

/** The folder's files and config: which parts it has, its scaling factor and spatial scale. Loads nothing. */
export function readAutoencoderFolder(dir: string): AutoencoderFolder {
  const problems: PackProblem[] = [];
  const fallback = { dir, scalingFactor: DEFAULT_VAE_SCALING_FACTOR, spatialScale: DEFAULT_VAE_SPATIAL_SCALE };
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    return { ...fallback, problems: [missing(TINY_VAE_COMPONENT, dir, `autoencoder folder not found: ${dir}`, FOLDER_FIX)] };
  }
  const encoder = findPart(dir, AUTOENCODER_PARTS.encoder);
  const decoder = findPart(dir, AUTOENCODER_PARTS.decoder);
  for (const [part, found, names] of [
    ['encoder', encoder, AUTOENCODER_PARTS.encoder],
    ['decoder', decoder, AUTOENCODER_PARTS.decoder],
  ] as const) {
    if (!found) {
      const tried = names.map((n) => join(dir, n, MODEL_FILE));
      problems.push(missing(TINY_VAE_COMPONENT, tried[0], `the autoencoder's ${part} was not found (tried ${tried.join(', ')})`, FOLDER_FIX));
    }
  }

  // Config: next to the decoder, then the encoder, then the folder itself (diffusers save_pretrained).
  const configPaths = [...(decoder ? [join(dir, decoder, NETWORK_CONFIG)] : []), ...(encoder ? [join(dir, encoder, NETWORK_CONFIG)] : []), join(dir, NETWORK_CONFIG)];
  let className: string | undefined;
  let scalingFactor: number | undefined;
  let blocks: unknown[] | undefined;
  let latentChannels: number | undefined;
  for (const path of configPaths) {
    const read = readJsonObject(path, TINY_VAE_COMPONENT, false);
    problems.push(...read.problems);
    const config = read.value;
    if (!config) continue;
    if (className === undefined && typeof config._class_name === 'string') className = config._class_name;
    if (scalingFactor === undefined && config.scaling_factor !== undefined && config.scaling_factor !== null) {
      if (typeof config.scaling_factor === 'number' && Number.isFinite(config.scaling_factor) && config.scaling_factor > 0) {
        scalingFactor = config.scaling_factor;
      } else {
        problems.push(invalid(TINY_VAE_COMPONENT, path, `${path} has scaling_factor ${JSON.stringify(config.scaling_factor)}; expected a positive number (1.0 for TAESD)`));
      }
    }
    // AutoencoderTiny: encoder_block_out_channels; AutoencoderKL: block_out_channels.
    const list = [config.encoder_block_out_channels, config.block_out_channels].find((v) => Array.isArray(v) && v.length > 0) as unknown[] | undefined;
    if (blocks === undefined && list) blocks = list;
    if (latentChannels === undefined && Number.isInteger(config.latent_channels)) latentChannels = config.latent_channels as number;
  }

  if (scalingFactor === undefined && (encoder || decoder)) {
    const where = join(dir, decoder ?? encoder ?? '', NETWORK_CONFIG);
    if (className === 'AutoencoderTiny') {
      scalingFactor = TINY_VAE_DEFAULT_SCALING_FACTOR;
      problems.push(warning(TINY_VAE_COMPONENT, where, `the AutoencoderTiny config gives no scaling_factor; using the class default ${TINY_VAE_DEFAULT_SCALING_FACTOR}`));
    } else if (className === 'AutoencoderKL') {
      scalingFactor = DEFAULT_VAE_SCALING_FACTOR;
      problems.push(warning(TINY_VAE_COMPONENT, where, `the AutoencoderKL config gives no scaling_factor; using SD1.x/2.x's ${DEFAULT_VAE_SCALING_FACTOR}`));
    } else {
      // Guessing would silently scale the latents by 5.5× one way or the other.
      problems.push(
        invalid(
          TINY_VAE_COMPONENT,
          where,
          `no config.json in ${dir} gives scaling_factor, so the autoencoder's latent scale is unknown`,
          'add config.json next to the decoder with "scaling_factor" (1.0 for TAESD / AutoencoderTiny, 0.18215 for an SD 1.x/2.x VAE)',
        ),
      );
    }
  }
  return {
    dir,
    ...(encoder && decoder ? { folders: { encoder, decoder } } : {}),
    ...(className ? { className } : {}),
    scalingFactor: scalingFactor ?? DEFAULT_VAE_SCALING_FACTOR,
    spatialScale: blocks ? 2 ** (blocks.length - 1) : DEFAULT_VAE_SPATIAL_SCALE,
    ...(latentChannels !== undefined ? { latentChannels } : {}),
    problems,
  };
}

export interface LoadedAutoencoder {
  dir: string;
  scalingFactor: number;
  spatialScale: number;
  io: AutoencoderIo;
  encoder: OnnxSession;
  decoder: OnnxSession;
  warnings: PackProblem[];
}

/**
 * Open an autoencoder folder for a UNet with `latentChannels` channels. Returns the sessions only
 * when there are no errors; otherwise every problem (sessions already created are disposed).
 */
export async function openAutoencoder(
  dir: string,
  options: OnnxSessionOptions,
  latentChannels: number,
): Promise<{ autoencoder?: LoadedAutoencoder; problems: PackProblem[] }> {
  const folder = readAutoencoderFolder(dir);
  const problems = [...folder.problems];
  if (folder.latentChannels !== undefined && folder.latentChannels !== latentChannels) {
    problems.push(
      invalid(TINY_VAE_COMPONENT, dir, `the autoencoder in ${dir} has ${folder.latentChannels} latent channels but the UNet takes ${latentChannels}`, 'use the TAESD made for this model family (SD 1.x/2.x: taesd; SDXL: taesdxl)'),
    );
  }
  if (!folder.folders || problems.some((p) => p.severity === 'error')) return { problems };
  const sessions: OnnxSession[] = [];
  const open = async (part: string): Promise<OnnxSession | undefined> => {
    const path = join(dir, part, MODEL_FILE);
    try {
      const session = await createOnnxSession(path, options);
      sessions.push(session);
      return session;
    } catch (error) {
      if (!isAnimeMeError(error) || (error.code !== 'MODEL_INVALID' && error.code !== 'MODEL_MISSING')) throw error;
      problems.push(invalid(TINY_VAE_COMPONENT, path, `${part}/${MODEL_FILE} could not be loaded: ${error.message}`));
      return undefined;
    }
  };
  const encoder = await open(folder.folders.encoder);
  const decoder = await open(folder.folders.decoder);
  if (encoder && decoder) {
    const checked = checkAutoencoderSignatures(dir, TINY_VAE_COMPONENT, folder.folders, { encoder, decoder }, latentChannels);
    problems.push(...checked.problems);
    if (checked.io && !problems.some((p) => p.severity === 'error')) {
      return {
        autoencoder: {
          dir,
          scalingFactor: folder.scalingFactor,
          spatialScale: folder.spatialScale,
          io: checked.io,
          encoder,
          decoder,
          warnings: problems.filter((p) => p.severity === 'warning'),
        },
        problems,
      };
    }
  }
  await Promise.all(sessions.map((s) => s.dispose()));
  return { problems };
}
