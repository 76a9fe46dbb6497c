#!/usr/bin/env node
/**
 * anime-me CLI: wiring only. Parses arguments, expands folders, runs the pipeline per photo, writes
 * outputs with stable names, prints progress on stderr and (with --json) one JSON document on stdout.
 */
import { readdir, readFile, stat, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EMBEDDED_STYLES } from '../core/types.js';
import { listStyleNames, STYLE_PRESETS } from '../describe/index.js';
import { AnimeMeError, toAnimeMeError } from '../errors.js';
import { createAnimeMe } from '../node/create-anime-me.js';
import type { RunOptions } from '../pipeline/options.js';
import type { PipelineResult } from '../pipeline/pipeline.js';
import { summariseAnalysis } from '../pipeline/summary.js';
import type { ProgressEvent } from '../core/types.js';
import { createThreadPipeline, deviceLabel, ENGINE_FLAG_OPTIONS, engineSpecFrom, type ThreadPipeline } from './engine.js';
import { runModels } from './models.js';
import { createProgressDisplay } from './progress.js';

const HELP = `anime-me — turn photos into anime pictures (no model download needed)

Usage:
  anime-me <photos or folders…> [options]
  anime-me analyse <photo> [--json]
  anime-me styles
  anime-me models verify <dir> | list [dir]
  anime-me serve [--port 8080]   web page + HTTP API (see anime-me serve --help)
  anime-me worker --redis <url>  queue worker for distributed mode (see anime-me worker --help)

Options:
  -o, --out <dir>        output folder (default: next to each photo)
      --style <name>     look or preset (default: chosen from the scene):
                         ${EMBEDDED_STYLES.join(', ')}
                         or a preset id (see \`anime-me styles\`)
      --seed <n>         seed; same photo + style + seed gives identical output (default 0)
      --size <px>        output long side in pixels, 64–4096 (default 1024)
      --upscale <1|2|4>  super-resolution factor; the look is computed at size/factor (default 2)
      --format <f>       png | jpg | webp (default png; PNG carries the generation parameters)
      --composite        also write the before/after share image <name>.composite.jpg
      --caption <text>   caption of the share image (default "anime-me"; "" for none)
      --people <n>       correct the number of people the analyser found
      --gender <list>    correct genders, largest person first: f,m,? (e.g. --gender f,m)
      --prompt <text>    replace the generated prompt (recorded in the PNG)
      --no-analyse       skip analysis (faster; photo styled as a scene without people)
      --engine <name>    embedded (default, no weights) | diffusion (Stable Diffusion img2img
                         over an ONNX pack you bring) | image-to-image (AnimeGAN-style ONNX pack);
                         the ONNX engines run on a worker thread (Ctrl-C cancels at once)
      --model <dir>      the model pack folder for --engine diffusion / image-to-image
      --steps <n>        diffusion schedule length (default 20; strength cuts it)
      --strength <x>     diffusion denoising strength 0–1 (default 0.5)
      --guidance <x>     classifier-free guidance scale (default 7)
      --sampler <name>   euler-ancestral (default), euler, ddim, dpmpp-2m, lcm, or A1111 names
      --device <d>       cpu (default) | cuda | auto, for the ONNX engines
      --tiny-vae         diffusion: encode/decode with the pack's tiny autoencoder (taesd/)
      --vae <dir>        diffusion: encode/decode with this autoencoder folder (e.g. a TAESD)
                         (engine flags fall back to ANIME_ME_ENGINE, ANIME_ME_MODEL, ANIME_ME_STEPS,
                         ANIME_ME_STRENGTH, ANIME_ME_GUIDANCE, ANIME_ME_SAMPLER, ANIME_ME_DEVICE,
                         ANIME_ME_TINY_VAE)
      --json             print a JSON report on stdout (outputs, analysis, prompt, stage timings)
  -h, --help             show this help

Examples:
  anime-me selfie.jpg                      writes selfie.anime.png next to the photo
  anime-me photos/ -o out --composite      every photo in photos/, plus share images
  anime-me me.jpg --style manga-ink --seed 7 --size 1280 --format jpg
  anime-me analyse group.jpg --json        what the system saw, and the prompt it would use

Exit status: 0 when every photo succeeded, 1 when any failed (the rest still run), 2 on bad usage.`;

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.avif']);

async function expandInputs(inputs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    let info;
    try {
      info = await stat(input);
    } catch {
      files.push(input); // reported per file as unreadable
      continue;
    }
    if (info.isDirectory()) {
      const entries = (await readdir(input)).sort();
      for (const entry of entries) {
        if (IMAGE_EXTENSIONS.has(path.extname(entry).toLowerCase())) files.push(path.join(input, entry));
      }
    } else {
      files.push(input);
    }
  }
  return files;
}

function outputName(file: string, suffix: string, ext: string): string {
  const base = path.basename(file, path.extname(file));
  return `${base}.${suffix}.${ext}`;
}

function parseGenders(value: string | undefined): Array<'f' | 'm' | '?'> | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',').map((s) => s.trim().toLowerCase());
  for (const g of list) {
    if (!['f', 'm', '?'].includes(g)) throw new AnimeMeError('INVALID_ARGUMENT', `Expected f, m or ? in --gender but received "${g}"`);
  }
  return list as Array<'f' | 'm' | '?'>;
}

function parseInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new AnimeMeError('INVALID_ARGUMENT', `Expected integer for --${name} but received "${value}"`);
  return Number(value);
}

interface PhotoReport {
  input: string;
  ok: boolean;
  outputs?: { image: string; composite?: string };
  size?: { width: number; height: number };
  analysis?: ReturnType<typeof summariseAnalysis>;
  description?: { tags: string[]; text: string; preset: string; style: string };
  prompt?: { positive: string; negative: string };
  timings?: PipelineResult['timings'];
  totalMs?: number;
  error?: { code: string; message: string };
}

/** One finished photo, in the shape both runners give (the worker thread's result shape). */
interface PhotoResult {
  output: Uint8Array;
  format: string;
  composite?: Uint8Array;
  width: number;
  height: number;
  analysis: ReturnType<typeof summariseAnalysis>;
  description: { tags: string[]; text: string; preset: string; style: string };
  prompt: { positive: string; negative: string };
  timings: PipelineResult['timings'];
}

interface PhotoRunner {
  run(bytes: Uint8Array, options: RunOptions, context: { signal: AbortSignal; onProgress: (event: ProgressEvent) => void }): Promise<PhotoResult>;
  readonly startupError: AnimeMeError | undefined;
  dispose(): Promise<void>;
}

/** The embedded engine: on this thread (its work is short, and tfjs/sharp yield between stages). */
function inProcessRunner(pipeline: ReturnType<typeof createAnimeMe>): PhotoRunner {
  return {
    async run(bytes, options, context) {
      const result = await pipeline.run(bytes, { ...options, signal: context.signal }, { onProgress: context.onProgress });
      return {
        output: result.output,
        format: result.format,
        ...(result.composite ? { composite: result.composite } : {}),
        width: result.image.width,
        height: result.image.height,
        analysis: summariseAnalysis(result.analysis),
        description: { tags: result.description.tags, text: result.description.text, preset: result.description.preset.id, style: result.description.style },
        prompt: result.description.prompt,
        timings: result.timings,
      };
    },
    startupError: undefined,
    dispose: () => pipeline.dispose(),
  };
}

/** An ONNX engine: on its own thread, so onnxruntime's blocking runs never stall this one. */
function threadRunner(thread: ThreadPipeline): PhotoRunner {
  return {
    run: (bytes, options, context) => thread.run(bytes, options, context),
    get startupError() {
      return thread.startupError;
    },
    dispose: () => thread.dispose(),
  };
}

async function main(argv: string[]): Promise<number> {
  // Service subcommands have their own flags and modules (src/cli/serve.ts, src/cli/worker.ts).
  if (argv[0] === 'serve') return (await import('./serve.js')).runServe(argv.slice(1));
  if (argv[0] === 'worker') return (await import('./worker.js')).runWorker(argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        style: { type: 'string' },
        seed: { type: 'string' },
        size: { type: 'string' },
        upscale: { type: 'string' },
        format: { type: 'string' },
        composite: { type: 'boolean' },
        caption: { type: 'string' },
        people: { type: 'string' },
        gender: { type: 'string' },
        prompt: { type: 'string' },
        'no-analyse': { type: 'boolean' },
        ...ENGINE_FLAG_OPTIONS,
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    process.stderr.write(`anime-me: ${(error as Error).message}\nRun "anime-me --help" for usage.\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    (values.help ? process.stdout : process.stderr).write(`${HELP}\n`);
    return values.help ? 0 : 2;
  }

  if (positionals[0] === 'models') return runModels(positionals.slice(1));

  if (positionals[0] === 'styles') {
    for (const style of EMBEDDED_STYLES) process.stdout.write(`${style}\n`);
    for (const preset of STYLE_PRESETS) {
      const scenes = preset.scenes.length ? preset.scenes.join(', ') : 'black-and-white photos';
      process.stdout.write(`${preset.id}  (${preset.embeddedStyle}; auto for: ${scenes}) ${preset.description}\n`);
    }
    return 0;
  }

  const analyseOnly = positionals[0] === 'analyse' || positionals[0] === 'analyze';
  const inputs = analyseOnly ? positionals.slice(1) : positionals;

  let runOptions: RunOptions;
  try {
    const format = values.format === 'jpg' ? 'jpeg' : values.format;
    const upscale = parseInteger(values.upscale, 'upscale');
    const people = parseInteger(values.people, 'people');
    const genders = parseGenders(values.gender);
    runOptions = {
      ...(values.style !== undefined ? { style: values.style } : {}),
      ...(values.seed !== undefined ? { seed: parseInteger(values.seed, 'seed') } : {}),
      ...(values.size !== undefined ? { size: parseInteger(values.size, 'size') } : {}),
      ...(upscale !== undefined ? { upscale: upscale as 1 | 2 | 4 } : {}),
      ...(format !== undefined ? { format: format as RunOptions['format'] } : {}),
      composite: Boolean(values.composite),
      ...(values.caption !== undefined ? { caption: values.caption } : {}),
      analyse: !values['no-analyse'],
      overrides: { ...(people !== undefined ? { people } : {}), ...(genders ? { genders } : {}) },
      ...(values.prompt !== undefined ? { prompt: values.prompt } : {}),
    };
    if (values.style !== undefined && !listStyleNames().includes(values.style)) {
      throw new AnimeMeError('INVALID_ARGUMENT', `Expected one of ${listStyleNames().join(', ')} for --style but received "${values.style}"`);
    }
  } catch (error) {
    process.stderr.write(`anime-me: ${toAnimeMeError(error).message}\n`);
    return 2;
  }

  const files = await expandInputs(inputs);
  if (files.length === 0) {
    process.stderr.write('anime-me: no photos found (looked for .jpg, .jpeg, .png, .webp, .avif)\n');
    return 2;
  }
  if (values.out) await mkdir(values.out, { recursive: true });

  // The engine: flag ?? environment ?? embedded. ONNX engines run on a worker thread.
  let runner: PhotoRunner;
  const cancel = new AbortController();
  try {
    const engine = engineSpecFrom(values, process.env);
    if (engine.kind === 'embedded') {
      runner = inProcessRunner(createAnimeMe({ upscaler: !analyseOnly }));
    } else {
      // Resolved here, so `--device cuda` without a CUDA provider fails before anything loads.
      const device = (await import('../node/engine.js')).engineDevice(engine, deviceLabel(values))!;
      process.once('SIGINT', () => {
        process.stderr.write('\nanime-me: cancelling (Ctrl-C again to quit at once)…\n');
        cancel.abort();
        process.once('SIGINT', () => process.exit(130));
      });
      if (device.note) process.stderr.write(`anime-me: note: ${device.note}\n`);
      runner = threadRunner(await createThreadPipeline({ engine: { ...engine, device: device.device }, upscaler: !analyseOnly }));
    }
  } catch (error) {
    process.stderr.write(`anime-me: ${toAnimeMeError(error).message}\n`);
    return 2;
  }
  const progress = createProgressDisplay();
  const reports: PhotoReport[] = [];
  try {
    for (const [index, file] of files.entries()) {
      if (cancel.signal.aborted) break;
      progress.start(path.basename(file), index, files.length);
      const started = performance.now();
      try {
        let bytes: Uint8Array;
        try {
          bytes = new Uint8Array(await readFile(file));
        } catch (error) {
          throw new AnimeMeError('INVALID_ARGUMENT', `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
        }
        const result = await runner.run(bytes, analyseOnly ? { ...runOptions, upscale: 1, size: 640 } : runOptions, {
          signal: cancel.signal,
          onProgress: (event) => progress.update(event),
        });
        const report: PhotoReport = {
          input: file,
          ok: true,
          analysis: result.analysis,
          description: result.description,
          prompt: result.prompt,
          timings: result.timings,
          totalMs: Math.round(performance.now() - started),
        };
        if (!analyseOnly) {
          const dir = values.out ?? path.dirname(file);
          const ext = result.format === 'jpeg' ? 'jpg' : result.format;
          const imagePath = path.join(dir, outputName(file, 'anime', ext));
          await writeFile(imagePath, result.output);
          report.outputs = { image: imagePath };
          if (result.composite) {
            const compositePath = path.join(dir, outputName(file, 'composite', 'jpg'));
            await writeFile(compositePath, result.composite);
            report.outputs.composite = compositePath;
          }
          report.size = { width: result.width, height: result.height };
          progress.done(`${file} → ${imagePath} (${result.description.preset}/${result.description.style}, ${report.totalMs} ms)`);
        } else if (!values.json) {
          process.stdout.write(`${file}\n  ${result.description.text}\n  scene: ${result.analysis.sceneType.value} (${result.analysis.sceneType.confidence.toFixed(2)}), people: ${result.analysis.peopleCount}\n  prompt: ${result.prompt.positive}\n  negative: ${result.prompt.negative}\n`);
          progress.done(`${file} analysed (${report.totalMs} ms)`);
        } else {
          progress.done(`${file} analysed (${report.totalMs} ms)`);
        }
        reports.push(report);
      } catch (error) {
        const e = toAnimeMeError(error);
        if (runner.startupError) {
          // The engine could not load (bad pack): the same for every photo, so say it once.
          process.stderr.write(`anime-me: ${runner.startupError.message}\n`);
          return 2;
        }
        progress.done(`${file} failed: ${e.code}: ${e.message}`);
        reports.push({ input: file, ok: false, error: { code: e.code, message: e.message } });
      }
    }
  } finally {
    await runner.dispose();
  }
  if (cancel.signal.aborted) {
    process.stderr.write('anime-me: cancelled\n');
    return 130;
  }
  if (values.json) {
    const doc = analyseOnly && reports.length === 1 ? { ...reports[0], ...reports[0].analysis } : { photos: reports };
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  }
  return reports.every((r) => r.ok) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`anime-me: ${toAnimeMeError(error).message}\n`);
    process.exitCode = 1;
  },
);
