/**
 * Super-resolution timings: Anime4K S/M/L ×2 through onnxruntime (2 intra-op threads by default)
 * against sharp's lanczos3 ×2, at a few input sizes. Prints a Markdown table of ms per image.
 *
 *   node --import tsx bench/upscale.ts [--runs 5] [--threads 2] [--sizes 256x256,512x384,640x360]
 *
 * "build" is model generation + session creation (once per process); "upscale" is the public
 * upscale() call (pixels in, pixels out, everything included). Timings on a shared machine are
 * noisy: the table gives best and median.
 */
import { cpus, loadavg } from 'node:os';
import sharp from 'sharp';
import { createRgbImage, type RgbImage } from '../src/core/raster.js';
import { createAnime4kUpscaler, ANIME4K_VARIANTS } from '../src/upscale/index.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const runs = Number(arg('runs', '5'));
const threads = Number(arg('threads', '2'));
const sizes = arg('sizes', '256x256,512x384,640x360').split(',').map((s) => s.split('x').map(Number) as [number, number]);

/** A deterministic test card: gradients, hard edges and fine lines, so no input file is needed. */
function testImage(width: number, height: number): RgbImage {
  const image = createRgbImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const ring = Math.hypot(x - width / 2, y - height / 2) % 24 < 3;
      const block = ((x >> 5) + (y >> 5)) % 2 === 0;
      image.data[i] = ring ? 20 : (x * 255) / width;
      image.data[i + 1] = ring ? 20 : block ? 200 : 90;
      image.data[i + 2] = ring ? 20 : (y * 255) / height;
    }
  }
  return image;
}

async function time(fn: () => Promise<unknown>): Promise<{ best: number; median: number }> {
  await fn(); // warm-up: first-run allocations and kernel selection
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { best: times[0], median: times[Math.floor(times.length / 2)] };
}

const fmt = (t: { best: number; median: number }) => `${t.best.toFixed(1)} / ${t.median.toFixed(1)}`;

console.log(`# upscale ×2 benchmark: ${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores, ${threads} ORT threads, ${runs} runs, load ${loadavg()[0].toFixed(2)}`);
console.log('');
const header = ['input', 'output', ...ANIME4K_VARIANTS.map((v) => `anime4k-${v} ms (best / median)`), 'sharp lanczos3 ms'];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);

const upscalers = [];
const builds: string[] = [];
for (const variant of ANIME4K_VARIANTS) {
  const u = createAnime4kUpscaler({ variant, threads });
  const t = performance.now();
  await u.ready();
  builds.push(`${variant}: ${(performance.now() - t).toFixed(0)} ms, ${u.network.macsPerPixel} MAC/px`);
  upscalers.push(u);
}

for (const [w, h] of sizes) {
  const image = testImage(w, h);
  const cells = [`${w}×${h}`, `${2 * w}×${2 * h}`];
  for (const u of upscalers) cells.push(fmt(await time(() => u.upscale(image, 2))));
  cells.push(
    fmt(
      await time(() =>
        sharp(image.data, { raw: { width: w, height: h, channels: 3 } }).resize(2 * w, 2 * h, { kernel: 'lanczos3' }).raw().toBuffer(),
      ),
    ),
  );
  console.log(`| ${cells.join(' | ')} |`);
}
// ×4 = two ×2 passes; the second one (1024² in) is split into tiles of ≈768².
{
  const [w, h] = [512, 512];
  const image = testImage(w, h);
  const cells = [`${w}×${h} (×4)`, `${4 * w}×${4 * h}`];
  for (const u of upscalers) cells.push(fmt(await time(() => u.upscale(image, 4))));
  cells.push(
    fmt(
      await time(() =>
        sharp(image.data, { raw: { width: w, height: h, channels: 3 } }).resize(4 * w, 4 * h, { kernel: 'lanczos3' }).raw().toBuffer(),
      ),
    ),
  );
  console.log(`| ${cells.join(' | ')} |`);
}
console.log('');
console.log(`model build + session: ${builds.join('; ')}. Load after: ${loadavg()[0].toFixed(2)}`);
for (const u of upscalers) await u.dispose();
