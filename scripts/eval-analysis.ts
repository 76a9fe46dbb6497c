/**
 * How well the analyse stage sees what is in a photo, on the labelled shared corpus:
 * people count, gender (with abstentions), age bucket, pets and scene type, overall and by skin-tone group,
 * each with a Wilson 95 % interval (the samples are small: 6–75 photos per metric).
 *
 *   npm run eval:analysis [-- --manifest ../shared/corpus/manifest.tsv] [--side 512] [--out /tmp/x.json] [--only substr] [--limit n]
 *                           [--options '{"uncertainGenderAges":[]}']   (AnalyserOptions as JSON, to compare settings)
 *
 * `--side` is the long side the photo is resized to before analysis (default 512: what the pipeline hands the
 * analyser at its default size; 0 = the decoded photo as is). The JSON (default /tmp/anime-me-eval-analysis.json)
 * holds per-photo results; it names corpus photos, so keep it out of the repository.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createAnalyser, type AnalyserOptions } from '../src/analyse/index.js';
import { loadHuman } from '../src/analyse/human-loader.js';
import { decodeImage, resizeImage } from '../src/image/index.js';
import { markdownTable, parseManifest, scorePhoto, summarise, type PhotoScore } from './analysis-scoring.js';

const { values } = parseArgs({
  options: {
    manifest: { type: 'string', default: path.resolve('../shared/corpus/manifest.tsv') },
    side: { type: 'string', default: '512' },
    out: { type: 'string', default: '/tmp/anime-me-eval-analysis.json' },
    only: { type: 'string' },
    limit: { type: 'string' },
    options: { type: 'string', default: '{}' },
  },
});

const manifestPath = path.resolve(values.manifest!);
const corpusDir = path.dirname(manifestPath);
let labels = parseManifest(await readFile(manifestPath, 'utf8'));
if (values.only) labels = labels.filter((l) => l.path.includes(values.only!));
if (values.limit) labels = labels.slice(0, Number(values.limit));
const side = Number(values.side);

const loadStarted = performance.now();
await loadHuman();
const loadMs = Math.round(performance.now() - loadStarted);
const analyserOptions = JSON.parse(values.options!) as AnalyserOptions;
const analyser = createAnalyser(analyserOptions);

const scores: PhotoScore[] = [];
const perPhoto: unknown[] = [];
const times: number[] = [];
for (const [i, label] of labels.entries()) {
  const decoded = await decodeImage(new Uint8Array(await readFile(path.join(corpusDir, label.path))));
  let image = decoded.image;
  const long = Math.max(image.width, image.height);
  if (side > 0 && long > side) {
    image = await resizeImage(image, Math.max(1, Math.round((image.width * side) / long)), Math.max(1, Math.round((image.height * side) / long)));
  }
  const started = performance.now();
  const analysis = await analyser.analyse(image);
  times.push(performance.now() - started);
  const score = scorePhoto(label, analysis);
  scores.push(score);
  perPhoto.push({
    ...score,
    sceneConfidence: analysis.sceneType.confidence,
    people: analysis.people.map((p) => ({
      face: p.face ? { box: p.face.box, score: p.face.score } : undefined,
      gender: p.gender,
      age: p.age,
    })),
    detectedPets: analysis.pets.map((o) => `${o.label} ${o.score}`),
    detectedObjects: analysis.objects.map((o) => `${o.label} ${o.score}`),
    models: analysis.models,
    timings: analysis.timings,
  });
  const flags = [
    score.count.correct ? '' : `count ${score.count.predicted}/${score.count.expected}`,
    score.gender && score.gender.outcome !== 'correct' ? `gender ${score.gender.outcome} (${score.gender.predicted ?? '-'} ${score.gender.confidence ?? ''} vs ${score.gender.expected})` : '',
    score.age && !score.age.correct ? `age ${score.age.predicted ?? '-'} ${score.age.years ?? ''} vs ${score.age.expected}` : '',
    score.scene.outcome !== 'correct' ? `scene ${score.scene.outcome} (${score.scene.predicted} vs ${score.scene.expected})` : '',
  ].filter(Boolean);
  process.stderr.write(`[${i + 1}/${labels.length}] ${path.basename(label.path)} ${Math.round(times[times.length - 1])} ms ${flags.join('; ')}\n`);
}
await analyser.dispose();

const summary = summarise(scores);
const sorted = [...times].sort((a, b) => a - b);
const median = sorted.length ? Math.round(sorted[Math.floor(sorted.length / 2)]) : 0;
process.stdout.write(`# Analysis evaluation: ${labels.length} photos, long side ${side > 0 ? side : 'as decoded'}, options ${JSON.stringify(analyserOptions)}\n\n`);
process.stdout.write(`${markdownTable(summary)}\n\n`);
process.stdout.write(
  'Gap = light − medium-dark in points (positive: medium-dark behind; for the "wrong"/"false" rows, positive means light is worse).\n' +
    'Gender and age are scored on single-person photos with a known label; "answered" = the describer would name it (confidence ≥ 0.7).\n',
);
process.stdout.write(`\nModel load ${loadMs} ms; analysis median ${median} ms, max ${Math.round(sorted[sorted.length - 1] ?? 0)} ms.\n`);
await writeFile(values.out!, JSON.stringify({ manifest: manifestPath, side, options: analyserOptions, loadMs, medianMs: median, summary, photos: perPhoto }, null, 1));
process.stderr.write(`wrote ${values.out}\n`);
