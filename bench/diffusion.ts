/**
 * Diffusion engine timings on the `--size bench` tiny pack (a UNet with 64–320 channels, 64×64
 * latents from a 512×512 image): time per UNet step (both CFG halves in one batch-2 call) and the
 * pipeline's own overhead — everything that is not an onnxruntime run — per step and per job.
 * Target: per-step overhead ≤ 3 % of the step's UNet time.
 *
 *   node --import tsx bench/diffusion.ts [--pack <dir>] [--runs 3] [--steps 20] [--strength 0.5]
 *        [--size 512] [--threads 2] [--scheduler euler-ancestral] [--guidance 7] [--dtype fp32|fp16]
 *
 * Without --pack a bench pack is generated into a temp folder. Timings on a shared machine are
 * noisy: best and median are printed.
 *
 * Work per UNet evaluation at 64×64 latents, counted from the bench architecture (convolutions and
 * attention matmuls): 3.37 GMAC = 6.75 GFLOP, so 13.5 GFLOP per CFG step (batch 2).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRgbImage, type RgbImage } from '../src/core/raster.js';
import { runImg2Img, type Img2ImgResult } from '../src/diffusion/img2img.js';
import { openPack } from '../src/diffusion/pack/index.js';
import { loadPromptTokenizer } from '../src/diffusion/text-encoder.js';
import { writeTinyPack, type TinyPackDtype } from '../src/diffusion/tiny-pack/index.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const runs = Number(arg('runs', '3'));
const steps = Number(arg('steps', '20'));
const strength = Number(arg('strength', '0.5'));
const side = Number(arg('size', '512'));
const threads = Number(arg('threads', '2'));
const scheduler = arg('scheduler', 'euler-ancestral');
const guidance = Number(arg('guidance', '7'));
const dtype = arg('dtype', 'fp32') as TinyPackDtype;
/** GFLOP per UNet evaluation at 64×64 latents (see the header); convs and attention scale with area. */
const UNET_GFLOP_64 = 6.75;

function testImage(width: number, height: number): RgbImage {
  const image = createRgbImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      image.data[i] = (x * 255) / width;
      image.data[i + 1] = ((x >> 6) + (y >> 6)) % 2 ? 200 : 70;
      image.data[i + 2] = (y * 255) / height;
    }
  }
  return image;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const best = (values: number[]): number => Math.min(...values);
const ms = (v: number): string => v.toFixed(1);

async function main(): Promise<void> {
  let packDir = arg('pack', '');
  let temp: string | undefined;
  if (!packDir) {
    temp = mkdtempSync(join(tmpdir(), 'anime-me-bench-pack-'));
    packDir = temp;
    writeTinyPack(packDir, { size: 'bench', dtype });
  }
  try {
    const openStart = performance.now();
    const pack = await openPack(packDir, { threads });
    const tokenizer = await loadPromptTokenizer(pack.tokenizerDir);
    const openMs = performance.now() - openStart;
    const image = testImage(side, side);
    const options = {
      image,
      prompt: 'masterpiece, best quality, anime style portrait of a (smiling:1.2) woman, cel shading',
      negativePrompt: 'lowres, blurry, bad anatomy',
      strength,
      steps,
      guidanceScale: guidance,
      seed: 1234,
      scheduler,
    };
    await runImg2Img(pack, tokenizer, { ...options, steps: 2, strength: 1 }); // warm-up: first runs allocate arenas

    const results: Img2ImgResult[] = [];
    for (let r = 0; r < runs; r++) results.push(await runImg2Img(pack, tokenizer, options));
    await pack.release();

    const unetSteps = results.flatMap((r) => r.timings.unetMs);
    const stepWall = results.flatMap((r) => r.timings.stepMs);
    const stepOverhead = results.flatMap((r) => r.timings.stepMs.map((wall, i) => wall - r.timings.unetMs[i]));
    const shareOfStep = results.flatMap((r) => r.timings.stepMs.map((wall, i) => (wall - r.timings.unetMs[i]) / r.timings.unetMs[i]));
    const totals = results.map((r) => r.timings.totalMs);
    const overheads = results.map((r) => r.timings.overheadMs);
    const first = results[0];

    console.log(`# Diffusion img2img on the bench pack (${dtype}), ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()[0].toFixed(2)}`);
    console.log(`${side}×${side} → latents 4×${side / 8}×${side / 8}; ${scheduler}, ${steps} steps × strength ${strength} = ${first.stepsRun} run; CFG ${guidance} (batch 2); ${threads} threads; ${runs} runs\n`);
    console.log('| measure | best | median |');
    console.log('|---|---|---|');
    console.log(`| pack open (4 sessions + tokenizer) | ${ms(openMs)} ms | |`);
    console.log(`| UNet step (onnxruntime, batch 2) | ${ms(best(unetSteps))} ms | ${ms(median(unetSteps))} ms |`);
    const gflopPerStep = UNET_GFLOP_64 * ((side / 512) ** 2) * (guidance > 1 ? 2 : 1);
    console.log(`| UNet throughput (${gflopPerStep.toFixed(1)} GFLOP per step) | ${(gflopPerStep / (best(unetSteps) / 1000)).toFixed(0)} GFLOP/s | ${(gflopPerStep / (median(unetSteps) / 1000)).toFixed(0)} GFLOP/s |`);
    console.log(`| step wall time (incl. yield, scheduler, CFG) | ${ms(best(stepWall))} ms | ${ms(median(stepWall))} ms |`);
    console.log(`| pipeline overhead per step | ${ms(best(stepOverhead))} ms | ${ms(median(stepOverhead))} ms |`);
    console.log(`| overhead per step / UNet step | ${(100 * best(shareOfStep)).toFixed(2)} % | ${(100 * median(shareOfStep)).toFixed(2)} % |`);
    console.log(`| text encoder (2 prompts) | ${ms(best(results.map((r) => r.timings.textEncoderMs)))} ms | ${ms(median(results.map((r) => r.timings.textEncoderMs)))} ms |`);
    console.log(`| VAE encode | ${ms(best(results.map((r) => r.timings.vaeEncoderMs)))} ms | ${ms(median(results.map((r) => r.timings.vaeEncoderMs)))} ms |`);
    console.log(`| VAE decode | ${ms(best(results.map((r) => r.timings.vaeDecoderMs)))} ms | ${ms(median(results.map((r) => r.timings.vaeDecoderMs)))} ms |`);
    console.log(`| job total | ${ms(best(totals))} ms | ${ms(median(totals))} ms |`);
    console.log(`| job overhead (all but onnxruntime) | ${ms(best(overheads))} ms | ${ms(median(overheads))} ms |`);
    console.log(`| job overhead / job total | ${(100 * best(results.map((r) => r.timings.overheadMs / r.timings.totalMs))).toFixed(2)} % | ${(100 * median(results.map((r) => r.timings.overheadMs / r.timings.totalMs))).toFixed(2)} % |`);
    const verdict = median(shareOfStep) <= 0.03 ? 'meets' : 'MISSES';
    console.log(`\nPer-step overhead ${verdict} the ≤ 3 % target (median ${(100 * median(shareOfStep)).toFixed(2)} %).`);
  } finally {
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
}

await main();
