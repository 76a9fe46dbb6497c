/**
 * Scoring for `npm run eval:analysis`: manifest labels → expectations, analyses → predictions, and rates
 * with Wilson intervals, overall and by skin-tone group. Pure (no file system, no models) so it is unit-tested.
 */
import type { AgeBucket, Gender, SceneAnalysis, SceneType } from '../src/core/types.js';

export type SkinGroup = 'light' | 'medium-dark' | 'excluded';
export const SPLIT_GROUPS = ['light', 'medium-dark'] as const;

export interface LabelledPerson {
  gender?: Gender;
  bucket?: AgeBucket;
}

export interface LabelledPhoto {
  path: string;
  peopleCount: number;
  people: LabelledPerson[];
  skinGroup: SkinGroup;
  /** Pet species named in the manifest (cat, dog); empty when none. */
  pets: string[];
  expectedClass: string;
}

/**
 * light = light, light-medium; medium-dark = medium, medium-dark, dark. A photo naming tones of both groups
 * ("mixed: …", "light/medium") or none ("-", "n/a") is left out of the split. Remarks in brackets are ignored,
 * so the grayscale `camera` ("medium (grayscale photo)") counts as medium-dark, as in the shared note.
 */
export function skinGroupOf(skinToneVisible: string): SkinGroup {
  const text = skinToneVisible.toLowerCase().replace(/\([^)]*\)/g, ' ');
  const tones = text.match(/light-medium|medium-dark|light|medium|dark/g) ?? [];
  const light = tones.some((t) => t === 'light' || t === 'light-medium');
  const darker = tones.some((t) => t === 'medium' || t === 'medium-dark' || t === 'dark');
  if (light === darker) return 'excluded';
  return light ? 'light' : 'medium-dark';
}

/** One `persons_gender_age` entry: `F/adult`, `?/child (toddler)`, `M/adult x4 (+ crowd)`, `M/adult(middle-aged)`. */
export function parsePersons(text: string): LabelledPerson[] {
  const out: LabelledPerson[] = [];
  for (const part of text.split(';')) {
    const m = /^\s*([FM?])\/(child|teen|adult|elderly)/i.exec(part);
    if (!m) continue;
    const person: LabelledPerson = { bucket: m[2].toLowerCase() as AgeBucket };
    if (m[1].toUpperCase() === 'F') person.gender = 'female';
    if (m[1].toUpperCase() === 'M') person.gender = 'male';
    const times = /x\s*~?(\d+)/.exec(part);
    const n = times ? Number(times[1]) : 1;
    for (let i = 0; i < n; i++) out.push({ ...person });
  }
  return out;
}

export function parseManifest(text: string): LabelledPhoto[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0]?.split('\t').map((h) => h.trim()) ?? [];
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`manifest has no "${name}" column`);
    return i;
  };
  const [iPath, iCount, iPersons, iSkin, iPets, iClass] = ['path', 'people_count', 'persons_gender_age', 'skin_tone_visible', 'pets', 'expected_class'].map(col);
  return lines.slice(1).map((line) => {
    const cells = line.split('\t').map((c) => c.trim());
    const peopleCount = Number.parseInt(cells[iCount], 10);
    if (!Number.isFinite(peopleCount)) throw new Error(`bad people_count for ${cells[iPath]}`);
    return {
      path: cells[iPath],
      peopleCount,
      people: parsePersons(cells[iPersons]),
      skinGroup: peopleCount > 0 ? skinGroupOf(cells[iSkin]) : 'excluded',
      pets: [...new Set((cells[iPets].toLowerCase().startsWith('none') ? '' : cells[iPets].toLowerCase()).match(/\b(cat|dog)\b/g) ?? [])],
      expectedClass: cells[iClass],
    };
  });
}

/**
 * Which scene types answer each manifest class. `multi_person` is any multi-person scene; `pet` takes a pet with
 * or without a person (the manifest labels a man walking his dog `pet`); `other` (an object, a wild animal, a
 * person whose face is hidden) takes any scene that claims no gender, age or pet.
 */
export const SCENE_MAPPING: Record<string, readonly SceneType[]> = {
  single_male: ['single-male'],
  single_female: ['single-female'],
  child: ['child'],
  elderly: ['elderly'],
  multi_person: ['couple', 'group'],
  pet: ['pet', 'person-with-pet'],
  landscape: ['landscape'],
  other: ['object', 'landscape', 'single-person'],
};
/** Classes for which `single-person` (the analyser was unsure of gender or age) is an abstention, not a wrong claim. */
const SINGLE_CLASSES = new Set(['single_male', 'single_female', 'child', 'elderly']);

export type Outcome = 'correct' | 'wrong' | 'abstained';

/** Confidence the describer needs before it names a gender or an age (describe's DEFAULT_MIN_CONFIDENCE). */
export const ANSWER_CONFIDENCE = 0.7;

export interface PhotoScore {
  path: string;
  skinGroup: SkinGroup;
  expectedClass: string;
  count: { expected: number; predicted: number; correct: boolean };
  /** Single-person photos with a known gender; abstained = no face, no gender or a gender below ANSWER_CONFIDENCE. */
  gender?: { expected: Gender; predicted?: Gender; confidence?: number; outcome: Outcome };
  /** Single-person photos with a known bucket; `correct` uses the bucket at any confidence (no face = wrong). */
  age?: { expected: AgeBucket; predicted?: AgeBucket; years?: number; confidence?: number; correct: boolean; outcome: Outcome };
  pets: { expected: string[]; predicted: string[] };
  scene: { expected: string; predicted: SceneType; outcome: Outcome };
}

/** The largest person with a face, the one the describer leads with. */
function mainPerson(analysis: SceneAnalysis) {
  const area = (b: { width: number; height: number }) => b.width * b.height;
  return [...analysis.people].filter((p) => p.face).sort((a, b) => area(b.face!.box) - area(a.face!.box))[0];
}

export function scorePhoto(label: LabelledPhoto, analysis: SceneAnalysis): PhotoScore {
  const score: PhotoScore = {
    path: label.path,
    skinGroup: label.skinGroup,
    expectedClass: label.expectedClass,
    count: { expected: label.peopleCount, predicted: analysis.peopleCount, correct: analysis.peopleCount === label.peopleCount },
    pets: { expected: label.pets, predicted: analysis.pets.map((p) => p.label) },
    scene: { expected: label.expectedClass, predicted: analysis.sceneType.value, outcome: 'wrong' },
  };
  const accepted = SCENE_MAPPING[label.expectedClass] ?? [];
  if (accepted.includes(analysis.sceneType.value)) score.scene.outcome = 'correct';
  else if (analysis.sceneType.value === 'single-person' && SINGLE_CLASSES.has(label.expectedClass)) score.scene.outcome = 'abstained';

  if (label.peopleCount === 1 && label.people.length === 1) {
    const truth = label.people[0];
    const person = mainPerson(analysis);
    if (truth.gender) {
      const g = person?.gender;
      const answered = g !== undefined && g.confidence >= ANSWER_CONFIDENCE;
      score.gender = {
        expected: truth.gender,
        ...(g ? { predicted: g.value, confidence: g.confidence } : {}),
        outcome: !answered ? 'abstained' : g.value === truth.gender ? 'correct' : 'wrong',
      };
    }
    if (truth.bucket) {
      const a = person?.age;
      const correct = a?.value.bucket === truth.bucket;
      score.age = {
        expected: truth.bucket,
        ...(a ? { predicted: a.value.bucket, years: a.value.years, confidence: a.confidence } : {}),
        correct,
        outcome: !a || a.confidence < ANSWER_CONFIDENCE ? 'abstained' : correct ? 'correct' : 'wrong',
      };
    }
  }
  return score;
}

export interface Rate {
  k: number;
  n: number;
  rate: number | null;
  /** Wilson 95 % interval. */
  low: number | null;
  high: number | null;
}

export function wilson(k: number, n: number, z = 1.96): Rate {
  if (n === 0) return { k, n, rate: null, low: null, high: null };
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { k, n, rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export interface Metric {
  /** Whether this photo counts for the metric, and whether it passes. */
  name: string;
  select(s: PhotoScore): boolean;
  pass(s: PhotoScore): boolean;
}

export const METRICS: Metric[] = [
  { name: 'people count exact', select: () => true, pass: (s) => s.count.correct },
  { name: 'people count exact (1 person)', select: (s) => s.count.expected === 1, pass: (s) => s.count.correct },
  { name: 'people count exact (2+ people)', select: (s) => s.count.expected >= 2, pass: (s) => s.count.correct },
  { name: 'gender: accuracy on answered', select: (s) => s.gender !== undefined && s.gender.outcome !== 'abstained', pass: (s) => s.gender?.outcome === 'correct' },
  { name: 'gender: coverage (answered)', select: (s) => s.gender !== undefined, pass: (s) => s.gender?.outcome !== 'abstained' },
  { name: 'gender: correct of all', select: (s) => s.gender !== undefined, pass: (s) => s.gender?.outcome === 'correct' },
  { name: 'gender: wrong of all', select: (s) => s.gender !== undefined, pass: (s) => s.gender?.outcome === 'wrong' },
  { name: 'age bucket (any confidence)', select: (s) => s.age !== undefined, pass: (s) => s.age?.correct === true },
  { name: 'age bucket: accuracy on answered', select: (s) => s.age !== undefined && s.age.outcome !== 'abstained', pass: (s) => s.age?.outcome === 'correct' },
  { name: 'age bucket: coverage (answered)', select: (s) => s.age !== undefined, pass: (s) => s.age?.outcome !== 'abstained' },
  { name: 'pet recall (any cat/dog)', select: (s) => s.pets.expected.length > 0, pass: (s) => s.pets.predicted.length > 0 },
  { name: 'pet recall (right species)', select: (s) => s.pets.expected.length > 0, pass: (s) => s.pets.expected.some((p) => s.pets.predicted.includes(p)) },
  { name: 'false pet rate', select: (s) => s.pets.expected.length === 0, pass: (s) => s.pets.predicted.length > 0 },
  { name: 'scene type (strict)', select: () => true, pass: (s) => s.scene.outcome === 'correct' },
  { name: 'scene type: accuracy on answered', select: (s) => s.scene.outcome !== 'abstained', pass: (s) => s.scene.outcome === 'correct' },
  { name: 'scene type: coverage', select: () => true, pass: (s) => s.scene.outcome !== 'abstained' },
];

export interface MetricSummary {
  name: string;
  all: Rate;
  light: Rate;
  mediumDark: Rate;
  /** light − medium-dark in percentage points (positive: medium-dark behind); null when a group is empty. */
  gapPts: number | null;
}

export function summarise(scores: PhotoScore[], metrics: Metric[] = METRICS): MetricSummary[] {
  const rate = (subset: PhotoScore[], m: Metric) => {
    const sel = subset.filter((s) => m.select(s));
    return wilson(sel.filter((s) => m.pass(s)).length, sel.length);
  };
  return metrics.map((m) => {
    const light = rate(scores.filter((s) => s.skinGroup === 'light'), m);
    const mediumDark = rate(scores.filter((s) => s.skinGroup === 'medium-dark'), m);
    const gapPts = light.rate === null || mediumDark.rate === null ? null : Math.round((light.rate - mediumDark.rate) * 1000) / 10;
    return { name: m.name, all: rate(scores, m), light, mediumDark, gapPts };
  });
}

function pct(r: Rate): string {
  if (r.rate === null) return '–';
  return `${(r.rate * 100).toFixed(1)}% (${r.k}/${r.n}) [${(r.low! * 100).toFixed(0)}–${(r.high! * 100).toFixed(0)}]`;
}

export function markdownTable(summary: MetricSummary[]): string {
  const rows = summary.map((s) => `| ${s.name} | ${pct(s.all)} | ${pct(s.light)} | ${pct(s.mediumDark)} | ${s.gapPts === null ? '–' : s.gapPts.toFixed(1)} |`);
  return ['| metric | all [95% CI] | light | medium-dark | gap (pts) |', '|---|---|---|---|---|', ...rows].join('\n');
}
