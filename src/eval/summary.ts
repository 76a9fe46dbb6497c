/**
 * Per-photo evaluation records and their summaries (overall and by group), plus the markdown table.
 * Pooling rules: face recall pools faces (Σfound / Σinput), OKS pools people, likeness/ITA/ΔE pool
 * faces, the look proxies and timings average photos — so one big group photo weighs as many faces.
 */
import type { AgeGroup, SkinGroup } from './manifest.js';

export interface FaceSkinRecord {
  /** ITA° of the face skin in the photo and in the output (same pixels). */
  itaIn: number;
  itaOut: number;
  /** itaOut − itaIn; positive = lightened. */
  itaShift: number;
  /** CIEDE2000 between the mean skin colours. */
  deltaE: number;
  /**
   * Which side's face has no colour (a black-and-white photo, or an ink style's output): ITA says
   * nothing about skin tone then, so the face is left out of ITA figures and kept for ΔE.
   */
  monochrome?: 'input' | 'output';
}

/** What one comparison of a photo with its stylized output measures. */
export interface LookMeasures {
  faces: { input: number; found: number; extra: number };
  /** OKS per input person with a usable pose (0 when the person is not found again). */
  oks: number[];
  /**
   * OKS as measured before 2026-11-25: the output analysed with the analyser's own multipose trigger,
   * so its keypoints could come from another pose model than the photo's. Kept to compare figures.
   */
  oksOldMetric?: number[];
  /** Cosine similarity of face descriptors, per matched face. */
  likeness: number[];
  /** human's normalised similarity (0..1, > 0.5 "same person"), per matched face. */
  likenessHuman: number[];
  skin: FaceSkinRecord[];
  flatness: number;
  linePresence: number | undefined;
}

export interface VariantRecord extends LookMeasures {
  /** 'ours:<style>' or 'peer:<filter>'. */
  variant: string;
  /** Milliseconds by stage ('total' = the whole run for ours, the filter alone for a peer). */
  ms: Record<string, number>;
  /** Output file, relative to the report folder. */
  file?: string;
  error?: string;
}

export interface PhotoRecord {
  path: string;
  skinGroup: SkinGroup;
  ageGroup: AgeGroup;
  scene: string;
  /** People according to the manifest. */
  peopleCount: number | undefined;
  /** Faces the analyser found in the (working-size) photo. */
  inputFaces: number;
  /** Style the pipeline picked by itself. */
  autoStyle?: string;
  /** The photo's own look figures, as a baseline. */
  inputFlatness: number;
  inputLinePresence: number | undefined;
  variants: VariantRecord[];
  /** Input file (thumbnail), relative to the report folder. */
  file?: string;
  error?: string;
}

export interface VariantSummary {
  variant: string;
  photos: number;
  inputFaces: number;
  foundFaces: number;
  extraFaces: number;
  faceRecall: number | undefined;
  people: number;
  oks: number | undefined;
  /** OKS with the old measurement (see LookMeasures.oksOldMetric); undefined when not measured. */
  oksOldMetric: number | undefined;
  likenessFaces: number;
  likeness: number | undefined;
  likenessHuman: number | undefined;
  skinFaces: number;
  itaShift: number | undefined;
  /** Mean |ITA shift|: a group can average to 0 while every face moves. */
  itaShiftAbs: number | undefined;
  deltaE: number | undefined;
  flatness: number | undefined;
  linePresence: number | undefined;
  /** Mean ms by stage. */
  ms: Record<string, number>;
}

export function mean(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

export function summariseVariant(photos: readonly PhotoRecord[], variant: string): VariantSummary {
  const records = photos.flatMap((p) => p.variants.filter((v) => v.variant === variant && v.error === undefined));
  const inputFaces = records.reduce((n, r) => n + r.faces.input, 0);
  const foundFaces = records.reduce((n, r) => n + r.faces.found, 0);
  const oks = records.flatMap((r) => r.oks);
  const likeness = records.flatMap((r) => r.likeness);
  const likenessHuman = records.flatMap((r) => r.likenessHuman);
  const skin = records.flatMap((r) => r.skin);
  const toned = skin.filter((s) => !s.monochrome);
  const stages = new Set(records.flatMap((r) => Object.keys(r.ms)));
  const ms: Record<string, number> = {};
  for (const stage of stages) {
    const value = mean(records.map((r) => r.ms[stage]).filter((v): v is number => v !== undefined));
    if (value !== undefined) ms[stage] = value;
  }
  return {
    variant,
    photos: records.length,
    inputFaces,
    foundFaces,
    extraFaces: records.reduce((n, r) => n + r.faces.extra, 0),
    faceRecall: inputFaces > 0 ? foundFaces / inputFaces : undefined,
    people: oks.length,
    oks: mean(oks),
    oksOldMetric: mean(records.flatMap((r) => r.oksOldMetric ?? [])),
    likenessFaces: likeness.length,
    likeness: mean(likeness),
    likenessHuman: mean(likenessHuman),
    skinFaces: skin.length,
    itaShift: mean(toned.map((s) => s.itaShift)),
    itaShiftAbs: mean(toned.map((s) => Math.abs(s.itaShift))),
    deltaE: mean(skin.map((s) => s.deltaE)),
    flatness: mean(records.map((r) => r.flatness)),
    linePresence: mean(records.map((r) => r.linePresence).filter((v): v is number => v !== undefined)),
    ms,
  };
}

export interface GroupSummary {
  /** e.g. 'all', 'skin:light', 'age:child', 'scene:portrait'. */
  group: string;
  photos: number;
  variants: VariantSummary[];
}

export function summariseGroups(photos: readonly PhotoRecord[], variants: readonly string[]): GroupSummary[] {
  const groups: Array<[string, PhotoRecord[]]> = [['all', [...photos]]];
  const add = (prefix: string, key: (p: PhotoRecord) => string) => {
    const byKey = new Map<string, PhotoRecord[]>();
    for (const p of photos) {
      const k = key(p);
      byKey.set(k, [...(byKey.get(k) ?? []), p]);
    }
    for (const k of [...byKey.keys()].sort()) groups.push([`${prefix}:${k}`, byKey.get(k) ?? []]);
  };
  add('skin', (p) => p.skinGroup);
  add('age', (p) => p.ageGroup);
  add('scene', (p) => p.scene || 'unknown');
  return groups.map(([group, members]) => ({
    group,
    photos: members.length,
    variants: variants.map((v) => summariseVariant(members, v)),
  }));
}

/** The issue's targets; ITA is checked per skin-tone group. */
export const TARGETS = {
  faceRecall: 0.95,
  oks: 0.85,
  itaShiftAbs: 3,
  deltaE: 10,
} as const;

export function fmt(value: number | undefined, digits = 2, suffix = ''): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return `${value.toFixed(digits)}${suffix}`;
}

function pct(value: number | undefined): string {
  return value === undefined ? '–' : `${(value * 100).toFixed(0)} %`;
}

function signed(value: number | undefined, digits = 1): string {
  if (value === undefined) return '–';
  return `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
}

function totalMs(s: VariantSummary): number | undefined {
  return s.ms.total;
}

export interface MarkdownOptions {
  /** Variant the others are compared with (default: the first). */
  reference?: string;
  /** Unrelated-face similarity floor (cosine, human), printed next to likeness. */
  likenessFloor?: { cosine: number | undefined; human: number | undefined; pairs: number };
  /** Stage names in display order. */
  stages?: readonly string[];
}

/**
 * The summary as markdown: metric × variant for all photos (with targets and speed ratios), then
 * one compact table per grouping with "variant1 / variant2 / …" in each cell.
 */
export function formatMarkdown(groups: readonly GroupSummary[], options: MarkdownOptions = {}): string {
  const all = groups.find((g) => g.group === 'all');
  if (!all || all.variants.length === 0) return '_no results_\n';
  const variants = all.variants;
  const reference = variants.find((v) => v.variant === options.reference) ?? variants[0];
  const lines: string[] = [];
  const row = (cells: string[]) => lines.push(`| ${cells.join(' | ')} |`);
  const floor = options.likenessFloor;

  lines.push(`### All photos (${all.photos})`, '');
  row(['metric', 'target', ...variants.map((v) => v.variant)]);
  row(['---', '---', ...variants.map(() => '---:')]);
  row(['face recall (found / input faces)', '≥ 95 %', ...variants.map((v) => `${pct(v.faceRecall)} (${v.foundFaces}/${v.inputFaces})`)]);
  row(['extra faces in output', '', ...variants.map((v) => String(v.extraFaces))]);
  row(['pose OKS (people)', '≥ 0.85', ...variants.map((v) => `${fmt(v.oks)} (${v.people})`)]);
  if (variants.some((v) => v.oksOldMetric !== undefined)) {
    row(["pose OKS, old metric (output's own multipose trigger)", '', ...variants.map((v) => fmt(v.oksOldMetric))]);
  }
  row([
    `likeness, cosine (faces)${floor ? ` — unrelated-face floor ${fmt(floor.cosine)}` : ''}`,
    '',
    ...variants.map((v) => `${fmt(v.likeness)} (${v.likenessFaces})`),
  ]);
  row([
    `likeness, human 0..1${floor ? ` — floor ${fmt(floor.human)}` : ''}`,
    '> 0.5 = same',
    ...variants.map((v) => fmt(v.likenessHuman)),
  ]);
  row(['mean signed ITA shift, ° (+ = lightened)', '±3 per group', ...variants.map((v) => signed(v.itaShift))]);
  row(['mean abs ITA shift, °', '', ...variants.map((v) => fmt(v.itaShiftAbs, 1))]);
  row(['ΔE2000 face skin', '≤ 10', ...variants.map((v) => fmt(v.deltaE, 1))]);
  row(['colour flatness (top-32 share)', '', ...variants.map((v) => fmt(v.flatness))]);
  row(['line presence', '', ...variants.map((v) => fmt(v.linePresence))]);
  const stages = options.stages ?? [...new Set(variants.flatMap((v) => Object.keys(v.ms)))];
  for (const stage of stages) {
    if (!variants.some((v) => v.ms[stage] !== undefined)) continue;
    row([`ms ${stage}`, '', ...variants.map((v) => fmt(v.ms[stage], 0))]);
  }
  const refTotal = totalMs(reference);
  row([
    `time vs ${reference.variant} (× its total)`,
    '',
    ...variants.map((v) => {
      const t = totalMs(v);
      return t !== undefined && refTotal ? `${(t / refTotal).toFixed(2)}×` : '–';
    }),
  ]);
  lines.push('');

  for (const prefix of ['skin', 'age', 'scene']) {
    const members = groups.filter((g) => g.group.startsWith(`${prefix}:`));
    if (members.length === 0) continue;
    lines.push(`### By ${prefix === 'skin' ? 'skin-tone group' : prefix === 'age' ? 'age bucket' : 'scene'} (cells: ${variants.map((v) => v.variant).join(' / ')})`, '');
    row(['group', 'photos', 'face recall', 'OKS', 'OKS old metric', 'likeness', 'ITA shift °', 'ΔE2000', 'flatness', 'lines', 'ms total']);
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']);
    for (const g of members) {
      const cell = (f: (v: VariantSummary) => string) => g.variants.map(f).join(' / ');
      row([
        g.group.slice(prefix.length + 1),
        String(g.photos),
        cell((v) => pct(v.faceRecall)),
        cell((v) => fmt(v.oks)),
        cell((v) => fmt(v.oksOldMetric)),
        cell((v) => fmt(v.likeness)),
        cell((v) => signed(v.itaShift)),
        cell((v) => fmt(v.deltaE, 1)),
        cell((v) => fmt(v.flatness)),
        cell((v) => fmt(v.linePresence)),
        cell((v) => fmt(totalMs(v), 0)),
      ]);
    }
    lines.push('');
  }
  return lines.join('\n');
}

export interface TargetCheck {
  target: string;
  variant: string;
  group: string;
  value: number | undefined;
  pass: boolean | undefined;
}

/** Each target checked for each variant: recall/OKS/ΔE on all photos, ITA per skin-tone group. */
export function checkTargets(groups: readonly GroupSummary[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const all = groups.find((g) => g.group === 'all');
  if (!all) return checks;
  for (const v of all.variants) {
    checks.push({ target: 'face recall ≥ 0.95', variant: v.variant, group: 'all', value: v.faceRecall, pass: v.faceRecall === undefined ? undefined : v.faceRecall >= TARGETS.faceRecall });
    checks.push({ target: 'OKS ≥ 0.85', variant: v.variant, group: 'all', value: v.oks, pass: v.oks === undefined ? undefined : v.oks >= TARGETS.oks });
    checks.push({ target: 'ΔE2000 ≤ 10', variant: v.variant, group: 'all', value: v.deltaE, pass: v.deltaE === undefined ? undefined : v.deltaE <= TARGETS.deltaE });
  }
  for (const g of groups.filter((x) => x.group === 'skin:light' || x.group === 'skin:medium-dark')) {
    for (const v of g.variants) {
      checks.push({
        target: '|mean ITA shift| ≤ 3°',
        variant: v.variant,
        group: g.group,
        value: v.itaShift,
        pass: v.itaShift === undefined ? undefined : Math.abs(v.itaShift) <= TARGETS.itaShiftAbs,
      });
    }
  }
  return checks;
}
