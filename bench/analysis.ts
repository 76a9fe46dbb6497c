/**
 * Analyse-stage timings: model load once, then warm `analyse()` per 720p photo (each photo cover-cropped to
 * 1280×720), median over runs, and the median of those medians over a fixed photo subset; per-module costs from
 * `SceneAnalysis.timings`. Target: ≤ 400 ms per 720p photo on one WASM thread.
 *
 *   npm run bench:analysis [-- --runs 5] [--size 1280x720] [--options '{"objects":"always"}']   (AnalyserOptions as JSON)
 *
 * Photos: a fixed subset of ../shared/corpus (groups, pairs, portraits, no-face scenes), or the committed
 * fixtures when the corpus is absent (then the figures are not comparable with corpus runs). Timings on a
 * shared 2-core machine are noisy: compare medians of runs taken back to back.
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createAnalyser, type AnalyserOptions } from '../src/analyse/index.js';
import { loadHuman } from '../src/analyse/human-loader.js';
import type { RgbImage } from '../src/core/raster.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const runs = Number(arg('runs', '5'));
const [width, height] = arg('size', '1280x720').split('x').map(Number);
const options = JSON.parse(arg('options', '{}')) as AnalyserOptions;

const CORPUS = path.resolve('../shared/corpus/images');
const FIXTURES = path.resolve('test/fixtures/photos');
// Two groups, a pair, two portraits and three scenes without a face: the mix the shared note timed, plus a pet.
const CORPUS_SUBSET = [
  'gh_maxemo_group.jpg',
  'gh_maxcap_baseball_team.jpg',
  'gh_facerec_two_people.jpg',
  'gh_facerec_obama.jpg',
  'deb_skimage_astronaut.png',
  'deb_plasma_path.jpg',
  'gh_tracel_man_bike_dog.jpg',
  'gh_tracel_labrador.jpg',
];
const FIXTURE_SUBSET = ['deb_skimage_astronaut.png', 'deb_mpl_grace_hopper.jpg', 'deb_skimage_camera.png', 'deb_skimage_chelsea.png', 'deb_skimage_coffee.png'];
const fromCorpus = CORPUS_SUBSET.every((f) => existsSync(path.join(CORPUS, f)));
const files = fromCorpus ? CORPUS_SUBSET.map((f) => path.join(CORPUS, f)) : FIXTURE_SUBSET.map((f) => path.join(FIXTURES, f));

async function load720(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(file).rotate().removeAlpha().toColourspace('srgb').resize(width, height, { fit: 'cover' }).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const loadStarted = performance.now();
const loaded = await loadHuman();
const loadMs = performance.now() - loadStarted;
const analyser = createAnalyser(options);
const images = await Promise.all(files.map(load720));

const perPhoto: { name: string; people: number; ms: number; cpuMs: number; timings: Record<string, number> }[] = [];
for (const [i, image] of images.entries()) {
  await analyser.analyse(image); // warm-up: first-call kernel compilation and buffer allocation
  const totals: number[] = [];
  // CPU time of this process: less sensitive than wall time to other work on a shared machine.
  const cpu: number[] = [];
  const steps: Record<string, number[]> = {};
  let people = 0;
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const analysis = await analyser.analyse(image);
    totals.push(performance.now() - started);
    const used = process.cpuUsage(cpuStarted);
    cpu.push((used.user + used.system) / 1000);
    people = analysis.peopleCount;
    for (const [k, v] of Object.entries(analysis.timings)) (steps[k] ??= []).push(v);
  }
  const timings = Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, median(v)]));
  perPhoto.push({ name: path.basename(files[i]), people, ms: median(totals), cpuMs: median(cpu), timings });
  process.stderr.write(`${path.basename(files[i])}: ${Math.round(median(totals))} ms\n`);
}
await analyser.dispose();

const keys = ['detect', 'detect.face', 'detect.body', 'describe', 'tiles', 'multipose', 'heads', 'objects', 'detect.object', 'mask', 'skinTone', 'people', 'downscale'];
const seen = keys.filter((k) => perPhoto.some((p) => p.timings[k] !== undefined));
const lines = [
  `# Analyse stage: ${width}×${height}, options ${JSON.stringify(options)}, ${runs} warm runs per photo (${fromCorpus ? 'corpus subset' : 'fixtures'})`,
  '',
  `Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg()[0].toFixed(2)}; tfjs-wasm, one thread.`,
  `Model load (first use, ${loaded.models.length} models): ${Math.round(loadMs)} ms.`,
  '',
  `| photo | people | total ms | CPU ms | ${seen.join(' | ')} |`,
  `|---|---|---|---|${seen.map(() => '---').join('|')}|`,
  ...perPhoto.map(
    (p) => `| ${p.name} | ${p.people} | ${Math.round(p.ms)} | ${Math.round(p.cpuMs)} | ${seen.map((k) => (p.timings[k] === undefined ? '–' : Math.round(p.timings[k]))).join(' | ')} |`,
  ),
  `| **median** | | **${Math.round(median(perPhoto.map((p) => p.ms)))}** | ${Math.round(median(perPhoto.map((p) => p.cpuMs)))} | ${seen.map((k) => Math.round(median(perPhoto.map((p) => p.timings[k] ?? 0)))).join(' | ')} |`,
  '',
  'detect = face detector + mesh + iris + emotion + pose in one human.detect() (detect.face / detect.body are human\'s own split);',
  'describe = age/gender heads on up to 3 faces (faceres + grayscale CNN, faceres-deep on the largest when they leave age or gender open);',
  'tiles = extra face passes for small faces; multipose = movenet-multipose when 2+ people are likely; heads = face passes on magnified',
  'head squares of people without a face; objects = centernet (pets, person boxes).',
];
process.stdout.write(`${lines.join('\n')}\n`);
