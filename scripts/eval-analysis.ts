/**
 * How well the analyse stage sees what is in a photo, on the labelled shared corpus:
 * people count, gender (with abstentions), age bucket, pets and scene type, overall and by skin-tone group,
 * each with a Wilson 95 % interval (the samples are small: 6–75 photos per metric).
 *
 *   npm run eval:analysis [-- --manifest ../shared/corpus/manifest.tsv] [--side 512] [--out /tmp/x.json] [--only substr] [--limit n]
 *                           [--options '{"uncertainGenderAges":[]}']   (AnalyserOptions as JSON, to compare settings)
 *
 * After the table: gender per labelled age band and skin group, and a leave-one-out check of how the gender
 * committee's rule was chosen (see committeeLoo).
 *
 * `--side` is the long side the photo is resized to before analysis (default 512: what the pipeline hands the
 * analyser at its default size; 0 = the decoded photo as is). The JSON (default /tmp/anime-me-eval-analysis.json)
 * holds per-photo results; it names corpus photos, so keep it out of the repository.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createAnalyser, type AnalyserOptions, type GenderVotes } from '../src/analyse/index.js';
import type { AgeBucket, Gender, SceneAnalysis } from '../src/core/types.js';
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
/** Per gender-labelled single-person photo: what each gender model said about the main face, for the LOO below. */
const committeeCases: CommitteeCase[] = [];
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
  const votes = mainFaceVotes(analysis);
  if (score.gender) committeeCases.push({ truth: score.gender.expected, group: score.skinGroup, ...votes });
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
process.stdout.write(`\n${genderByAgeTable(scores)}\n`);
process.stdout.write(`\n${committeeLoo(committeeCases)}\n`);
process.stdout.write(`\nModel load ${loadMs} ms; analysis median ${median} ms, max ${Math.round(sorted[sorted.length - 1] ?? 0)} ms.\n`);
await writeFile(values.out!, JSON.stringify({ manifest: manifestPath, side, options: analyserOptions, loadMs, medianMs: median, summary, photos: perPhoto }, null, 1));
process.stderr.write(`wrote ${values.out}\n`);

interface CommitteeCase {
  truth: Gender;
  group: string;
  votes?: GenderVotes;
  bucket?: AgeBucket;
}

/** The gender votes and age bucket of the face the describer leads with (the largest), as scoring picks it. */
function mainFaceVotes(analysis: SceneAnalysis): { votes?: GenderVotes; bucket?: AgeBucket } {
  const area = (b: { width: number; height: number }) => b.width * b.height;
  const main = [...analysis.people].filter((p) => p.face).sort((a, b) => area(b.face!.box) - area(a.face!.box))[0];
  const votes = (main?.gender as { votes?: GenderVotes } | undefined)?.votes;
  return { ...(votes ? { votes } : {}), ...(main?.age ? { bucket: main.age.value.bucket } : {}) };
}

/** Gender per labelled age band and skin group: abstaining is the rule in some bands, so compare like with like. */
function genderByAgeTable(all: PhotoScore[]): string {
  const bands: [string, (a: AgeBucket | undefined) => boolean][] = [
    ['child', (a) => a === 'child'],
    ['teen + adult', (a) => a === 'teen' || a === 'adult'],
    ['elderly', (a) => a === 'elderly'],
  ];
  const cell = (subset: PhotoScore[]) => {
    const n = subset.length;
    const answered = subset.filter((s) => s.gender!.outcome !== 'abstained').length;
    const correct = subset.filter((s) => s.gender!.outcome === 'correct').length;
    return n === 0 ? '–' : `${correct}/${answered} answered right, ${correct}/${n} of all`;
  };
  const rows = bands.map(([name, match]) => {
    const inBand = all.filter((s) => s.gender && match(s.age?.expected));
    return `| ${name} | ${cell(inBand)} | ${cell(inBand.filter((s) => s.skinGroup === 'light'))} | ${cell(inBand.filter((s) => s.skinGroup === 'medium-dark'))} |`;
  });
  return ['Gender by labelled age band (single-person photos):', '', '| band | all | light | medium-dark |', '|---|---|---|---|', ...rows].join('\n');
}

type Pool = 'faceres' | 'sum' | 'mean' | 'hse-as-one';
interface CommitteeRule {
  name: string;
  decide(c: CommitteeCase): Gender | undefined;
}

/**
 * The grid of 48 committee variants the analyser's rule was chosen from: how votes pool × whether any dissent silences the
 * committee × children (never / only unanimous / like adults) × elderly (never / like adults). Each names a gender
 * when its pooled confidence reaches the describer's 0.7.
 */
function committeeRules(): CommitteeRule[] {
  const logit = (p: number) => Math.log(Math.min(0.9999, Math.max(1e-4, p)) / (1 - Math.min(0.9999, Math.max(1e-4, p))));
  const rules: CommitteeRule[] = [];
  for (const pool of ['faceres', 'sum', 'mean', 'hse-as-one'] as Pool[]) {
    for (const unanimous of [false, true]) {
      for (const child of ['never', 'unanimous', 'answer'] as const) {
        for (const elderly of ['never', 'answer'] as const) {
          rules.push({
            name: `${pool}/${unanimous ? 'unanimous' : 'any'}/child-${child}/elderly-${elderly}`,
            decide(c) {
              const v = c.votes;
              if (!v || v.faceres === undefined) return undefined;
              const all = [v.faceres, v.faceresDeep, v.grayscale].filter((p): p is number => p !== undefined);
              const hse = [v.faceres, v.faceresDeep].filter((p): p is number => p !== undefined);
              const z =
                pool === 'faceres'
                  ? logit(v.faceres)
                  : pool === 'sum'
                    ? all.reduce((s, p) => s + logit(p), 0)
                    : pool === 'mean'
                      ? all.reduce((s, p) => s + logit(p), 0) / all.length
                      : hse.reduce((s, p) => s + logit(p), 0) / hse.length + (v.grayscale !== undefined ? logit(v.grayscale) : 0);
              const agree = all.every((p) => p > 0.5 === z > 0);
              if (unanimous && !agree) return undefined;
              if (c.bucket === 'child' && (child === 'never' || (child === 'unanimous' && (!agree || all.length < 3)))) return undefined;
              if (c.bucket === 'elderly' && elderly === 'never') return undefined;
              const p = 1 / (1 + Math.exp(-z));
              if (Math.max(p, 1 - p) < 0.7) return undefined;
              return z > 0 ? 'male' : 'female';
            },
          });
        }
      }
    }
  }
  return rules;
}

/**
 * Leave-one-out over the choice of committee rule: for each photo, pick the rule that does best on the others
 * (right answers minus 3 × wrong ones: a wrong gendered word costs more than a neutral one), then score it on the
 * photo left out. This estimates how the selection generalises, not just how the chosen rule fits these photos.
 */
function committeeLoo(cases: CommitteeCase[]): string {
  const rules = committeeRules();
  const utility = (rule: CommitteeRule, subset: CommitteeCase[]) =>
    subset.reduce((u, c) => {
      const g = rule.decide(c);
      return g === undefined ? u : g === c.truth ? u + 1 : u - 3;
    }, 0);
  const tally = { correct: 0, wrong: 0, abstained: 0 };
  const picked = new Map<string, number>();
  cases.forEach((c, i) => {
    const rest = cases.filter((_, j) => j !== i);
    let best = rules[0];
    for (const r of rules) if (utility(r, rest) > utility(best, rest)) best = r;
    picked.set(best.name, (picked.get(best.name) ?? 0) + 1);
    const g = best.decide(c);
    tally[g === undefined ? 'abstained' : g === c.truth ? 'correct' : 'wrong'] += 1;
  });
  const top = [...picked.entries()].sort((a, b) => b[1] - a[1]).map(([n, k]) => `${n} (${k})`).join(', ');
  const answered = tally.correct + tally.wrong;
  return [
    `Gender committee, leave-one-out over a grid of ${rules.length} rules on ${cases.length} photos: ` +
      `${tally.correct} right, ${tally.wrong} wrong, ${tally.abstained} not named ` +
      `(${answered ? ((100 * tally.correct) / answered).toFixed(1) : '–'} % of answers right, ${((100 * answered) / Math.max(1, cases.length)).toFixed(1)} % answered).`,
    `Rules picked per fold: ${top}. The analyser's rule is hse-as-one/any/child-unanimous/elderly-never (src/analyse/gender.ts).`,
  ].join('\n');
}
