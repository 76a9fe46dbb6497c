/**
 * Generate a tiny model pack (no download): a diffusers-ONNX Stable Diffusion folder, or with
 * `--kind image-to-image` an AnimeGAN-style feed-forward pack.
 *
 *   npm run tiny-pack -- <dir> [--variant legacy|optimum] [--prediction epsilon|v_prediction]
 *                              [--dtype fp32|fp16] [--size tiny|bench] [--seed N] [--kind stable-diffusion|image-to-image]
 *                              [--no-tiny-vae]
 *
 * A Stable Diffusion pack gets a tiny autoencoder (TAESD-shaped) in <dir>/taesd unless --no-tiny-vae.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { isAnimeMeError } from '../src/errors.js';
import { writeTinyImageToImagePack, writeTinyPack, type TinyPackOptions } from '../src/diffusion/tiny-pack/index.js';

const usage =
  'usage: npm run tiny-pack -- <dir> [--variant legacy|optimum] [--prediction epsilon|v_prediction] [--dtype fp32|fp16] [--size tiny|bench] [--seed N] [--kind stable-diffusion|image-to-image] [--no-tiny-vae]';

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      variant: { type: 'string' },
      prediction: { type: 'string' },
      dtype: { type: 'string' },
      size: { type: 'string' },
      seed: { type: 'string' },
      kind: { type: 'string', default: 'stable-diffusion' },
      'no-tiny-vae': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length !== 1) {
    console.error(usage);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const dir = resolve(positionals[0]);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (values.kind === 'image-to-image') {
    const manifest = writeTinyImageToImagePack(dir, { ...(values.dtype ? { dtype: values.dtype as 'fp32' } : {}), ...(seed !== undefined ? { seed } : {}) });
    console.error(`wrote image-to-image pack "${manifest.name}"`);
  } else if (values.kind === 'stable-diffusion') {
    const options: TinyPackOptions = {};
    if (values.variant) options.variant = values.variant as TinyPackOptions['variant'];
    if (values.prediction) options.prediction = values.prediction as TinyPackOptions['prediction'];
    if (values.dtype) options.dtype = values.dtype as TinyPackOptions['dtype'];
    if (values.size) options.size = values.size as TinyPackOptions['size'];
    if (seed !== undefined) options.seed = seed;
    if (values['no-tiny-vae']) options.tinyVae = false;
    const info = writeTinyPack(dir, options);
    const sizes = Object.entries(info.bytes).map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(0)} KiB`).join(', ');
    console.error(`wrote ${info.size} ${info.variant} ${info.dtype} pack (${info.prediction}): ${sizes}`);
  } else {
    console.error(usage);
    process.exitCode = 2;
    return;
  }
  console.log(dir);
}

try {
  main();
} catch (error) {
  console.error(isAnimeMeError(error) ? `${error.code}: ${error.message}` : error);
  process.exitCode = 1;
}
