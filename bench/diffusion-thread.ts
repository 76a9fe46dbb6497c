/**
 * How long the calling thread's event loop stalls while a diffusion job runs: in-process (the
 * pipeline on this thread, as the CLI did before) against the CLI's worker thread. One UNet run is
 * synchronous native work, so in-process the loop is stuck for a whole step; on the thread it only
 * handles messages. Uses the `--size bench` tiny pack (a UNet with 64–320 channels; 512² image).
 *
 *   node --import tsx bench/diffusion-thread.ts [--steps 4] [--runs 2] [--size 512]
 *
 * Prints, per mode: the job's wall time, and the event-loop delay on this thread (max and p99, from
 * perf_hooks.monitorEventLoopDelay at 10 ms resolution).
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createThreadPipeline } from '../src/cli/engine.js';
import { writeTinyPack } from '../src/diffusion/tiny-pack/index.js';
import { createAnimeMeReady } from '../src/node/create-anime-me.js';
import type { EngineSpec } from '../src/node/engine-spec.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const steps = Number(arg('steps', '4'));
const runs = Number(arg('runs', '2'));
const size = Number(arg('size', '512'));
const photo = new Uint8Array(readFileSync(new URL('../test/fixtures/photos/deb_skimage_coffee.png', import.meta.url)));
const jobOptions = { size, upscale: 1 as const, analyse: false, seed: 1 };

type Timed = { timings: Partial<Record<string, number>>; parameters: { steps: number; width: number; height: number } };

async function measure(label: string, run: () => Promise<Timed>): Promise<void> {
  for (let i = 0; i < runs; i++) {
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    const start = performance.now();
    const result = await run();
    const wall = performance.now() - start;
    histogram.disable();
    const ms = (ns: number) => (ns / 1e6).toFixed(0);
    const { steps, width, height } = result.parameters;
    console.log(
      `${label} run ${i + 1}: job ${wall.toFixed(0)} ms (stylize ${Math.round(result.timings['stylize'] ?? 0)} ms, ${steps} steps, ${width}×${height}); ` +
        `event-loop delay on this thread: max ${ms(histogram.max)} ms, p99 ${ms(histogram.percentile(99))} ms`,
    );
  }
}

const dir = mkdtempSync(join(tmpdir(), 'anime-me-bench-thread-'));
try {
  const pack = writeTinyPack(join(dir, 'bench'), { size: 'bench' }).dir;
  const engine: EngineSpec = { kind: 'diffusion', modelDir: pack, steps, strength: 1, threads: 2 };
  console.log(`${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, load ${loadavg()[0].toFixed(2)}; bench pack, ${size}² image, ${steps} steps (strength 1, CFG batch 2)`);

  const inProcess = await createAnimeMeReady({ engine, upscaler: false, analyser: false });
  await inProcess.run(photo.slice(), jobOptions); // warm-up
  await measure('in-process', () => inProcess.run(photo.slice(), jobOptions));
  await inProcess.dispose();

  const thread = await createThreadPipeline({ engine, upscaler: false });
  await thread.run(photo.slice(), jobOptions, {}); // starts the thread, opens the pack, warm-up
  await measure('worker thread', () => thread.run(photo.slice(), jobOptions, {}));
  await thread.dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
