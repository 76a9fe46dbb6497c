/**
 * What users see, measured: runs the Node pipeline on corpus photos, re-analyses each output with the
 * same analyser, and reports face recall, pose OKS, likeness, skin-tone shift (ITA, ΔE2000) and look
 * proxies, overall and by skin-tone group, age bucket and scene, next to OpenCV peer filters.
 *
 *   npm run eval [-- --out <dir>] [--styles auto,bright-cel|all] [--limit n] [--no-peer] [photos/folders…]
 *
 * Writes report.json, contact-sheet.png and index.html to --out (default /tmp/anime-me-eval, outside
 * the repository: corpus gh_* photos and anything made from them must never be committed), and prints
 * the summary as markdown on stdout. Progress goes to stderr.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp, { type OverlayOptions } from 'sharp';
import { createAnalyser } from '../src/analyse/index.js';
import { loadHuman } from '../src/analyse/human-loader.js';
import { detectBodies } from '../src/analyse/multipose.js';
import type { RgbImage } from '../src/core/raster.js';
import { EMBEDDED_STYLES, type Box, type Keypoint, type SceneAnalysis } from '../src/core/types.js';
import {
  ageGroupOf,
  checkTargets,
  compareImages,
  colourFlatness,
  cosineSimilarity,
  faceEmbedding,
  fmt,
  formatMarkdown,
  humanSimilarity,
  iou,
  linePresence,
  mean,
  parseManifest,
  MULTIPOSE_MODEL,
  skinGroupOf,
  summariseGroups,
  type ManifestRow,
  type PhotoRecord,
  type VariantRecord,
} from '../src/eval/index.js';
import { decodeImage, encodeImage, resizeImage } from '../src/image/index.js';
import { createAnimeMe } from '../src/node/create-anime-me.js';

const HELP = `npm run eval -- [options] [photos or folders…]

Options:
  --out <dir>        report folder (default /tmp/anime-me-eval; keep it outside the repository)
  --styles <list>    comma list of embedded styles to run, "auto" = the style the pipeline picks
                     (default auto; "all" = auto,${EMBEDDED_STYLES.join(',')})
  --limit <n>        only the first n photos
  --size <px>        output long side (default 1024, the pipeline default)
  --corpus <dir>     corpus folder with manifest.tsv (default ../shared/corpus, or $ANIME_ME_CORPUS)
  --no-peer          skip the OpenCV peer filters
  --keep             also keep the working-size images the metrics were computed on (<out>/work/*.png)
  -h, --help

Without photos, every row of the corpus manifest is evaluated.`;

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.avif']);
const PEER_FILTERS = ['stylization', 'cartoon'] as const;
const STAGES = ['decode', 'analyse', 'describe', 'stylize', 'upscale', 'encode', 'total', 'total-without-analyse'];
const THUMB = 160;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string', default: path.join(os.tmpdir(), 'anime-me-eval') },
    styles: { type: 'string', default: 'auto' },
    limit: { type: 'string' },
    size: { type: 'string', default: '1024' },
    corpus: { type: 'string' },
    'no-peer': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

const log = (message: string) => process.stderr.write(`${message}\n`);
const outDir = path.resolve(values.out);
const size = Number(values.size);
const limit = values.limit === undefined ? Infinity : Number(values.limit);
const styles = values.styles === 'all' ? ['auto', ...EMBEDDED_STYLES] : values.styles.split(',').map((s) => s.trim()).filter(Boolean);
for (const s of styles) {
  if (s !== 'auto' && !(EMBEDDED_STYLES as readonly string[]).includes(s)) {
    log(`Unknown style "${s}"; use auto or ${EMBEDDED_STYLES.join(', ')}`);
    process.exit(2);
  }
}
if (!Number.isInteger(size) || size < 64 || !(limit > 0)) {
  log('--size must be an integer ≥ 64 and --limit a positive number');
  process.exit(2);
}
if (outDir === REPO || outDir.startsWith(`${REPO}${path.sep}`)) {
  log(`Note: ${outDir} is inside the repository; never commit outputs made from gh_* corpus photos.`);
}
const corpusDir = path.resolve(values.corpus ?? process.env.ANIME_ME_CORPUS ?? path.join(REPO, '..', 'shared', 'corpus'));

interface Job {
  file: string;
  /** Name in reports: the manifest path, or the file name. */
  name: string;
  row?: ManifestRow;
}

async function loadManifest(): Promise<ManifestRow[]> {
  const file = path.join(corpusDir, 'manifest.tsv');
  if (!existsSync(file)) return [];
  return parseManifest(await readFile(file, 'utf8'));
}

async function listJobs(manifest: ManifestRow[]): Promise<Job[]> {
  const byBase = new Map(manifest.map((r) => [path.basename(r.path), r]));
  if (positionals.length === 0) {
    if (manifest.length === 0) {
      log(`No photos given and no manifest at ${path.join(corpusDir, 'manifest.tsv')}.`);
      process.exit(2);
    }
    return manifest.map((row) => ({ file: path.join(corpusDir, row.path), name: row.path, row }));
  }
  const jobs: Job[] = [];
  for (const input of positionals) {
    const info = await stat(input).catch(() => undefined);
    const files = info?.isDirectory()
      ? (await readdir(input)).sort().filter((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase())).map((f) => path.join(input, f))
      : [input];
    for (const file of files) {
      const row = byBase.get(path.basename(file));
      jobs.push({ file: path.resolve(file), name: row?.path ?? path.basename(file), ...(row ? { row } : {}) });
    }
  }
  return jobs;
}

/** With --keep: the exact pixels a metric saw, for checking or re-tuning the metrics offline. */
async function keepWork(image: RgbImage, name: string): Promise<void> {
  if (!values.keep) return;
  await mkdir(path.join(outDir, 'work'), { recursive: true });
  await writeFile(path.join(outDir, 'work', `${name}.png`), await encodeImage(image, { format: 'png' }));
}

function slug(name: string): string {
  return name.replace(/^images\//, '').replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9_-]+/g, '_');
}

async function writeThumb(image: RgbImage, file: string): Promise<void> {
  await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(256, 256, { fit: 'inside' })
    .jpeg({ quality: 82 })
    .toFile(file);
}

/** Which python has cv2: the one on PATH, else Debian's; installs python3-opencv once if neither. */
function findOpenCvPython(): string | undefined {
  const candidates = ['python3', '/usr/bin/python3'];
  const hasCv2 = (py: string) => spawnSync(py, ['-c', 'import cv2'], { stdio: 'ignore' }).status === 0;
  for (const py of candidates) if (hasCv2(py)) return py;
  if (process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    log('OpenCV for Python not found: installing python3-opencv with apt-get (apt-get update && apt-get install -y python3-opencv)…');
    const update = spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', 'python3-opencv'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }) : update;
    if (install.status === 0 && hasCv2('/usr/bin/python3')) return '/usr/bin/python3';
    log('Installing python3-opencv failed.');
  }
  return undefined;
}

interface PendingPeer {
  photo: PhotoRecord;
  working: RgbImage;
  analysis: SceneAnalysis;
  input: string;
  outputs: Record<string, string>;
}

/**
 * Face descriptors straight from human's faceres (the model the analyser already runs for age and
 * gender), for the faces the analyser left without one (it describes only the faces it ran age and
 * gender on, so small or cut faces carry no `face.embedding`).
 * Every module switch is passed because human merges per-call settings into its config for good;
 * the analyser passes all of its own on each call, so this leaves it unaffected.
 */
async function faceresDescriptors(image: RgbImage): Promise<Array<{ box: Box; embedding: number[] }>> {
  const { human, tf } = await loadHuman();
  const tensor = tf.tensor(Int32Array.from(image.data), [1, image.height, image.width, 3], 'int32');
  try {
    const result = await human.detect(tensor as never, {
      face: {
        enabled: true,
        detector: { return: false },
        mesh: { enabled: true },
        iris: { enabled: false },
        emotion: { enabled: false },
        description: { enabled: true },
      },
      body: { enabled: false },
      object: { enabled: false },
      hand: { enabled: false },
      segmentation: { enabled: false },
    } as never);
    return result.face
      .filter((f) => Array.isArray(f.embedding) && f.embedding.length > 0)
      .map((f) => ({ box: { x: f.box[0], y: f.box[1], width: f.box[2], height: f.box[3] }, embedding: Array.from(f.embedding ?? []) }));
  } finally {
    tf.dispose(tensor as never);
  }
}

/**
 * Every body the analyser's pose models find in an image, whether or not the analyser turned it into a
 * person: human's single-person movenet (the analyser's first pass) and, when the photo got it, the
 * vendored multipose. Same per-call settings discipline as faceresDescriptors.
 */
async function poseBodies(image: RgbImage, multipose: boolean): Promise<Keypoint[][]> {
  const loaded = await loadHuman();
  const { human, tf } = loaded;
  const tensor = tf.tensor(Int32Array.from(image.data), [1, image.height, image.width, 3], 'int32');
  try {
    const result = await human.detect(tensor as never, {
      face: { enabled: false },
      body: { enabled: true },
      object: { enabled: false },
      hand: { enabled: false },
      segmentation: { enabled: false },
    } as never);
    const bodies: Keypoint[][] = result.body.map((b) => b.keypoints.map((k) => ({ part: k.part, position: { x: k.position[0], y: k.position[1] }, score: k.score })));
    if (multipose) for (const b of (await detectBodies(loaded, tensor as never, BODY_FLOOR)) ?? []) bodies.push(b.keypoints);
    return bodies;
  } finally {
    tf.dispose(tensor as never);
  }
}

/** Lowest body score kept from multipose: keypoints still have to pass the OKS visibility score one by one. */
const BODY_FLOOR = 0.1;

/** The analysis with a descriptor on each face that lacks one, taken from the best-overlapping faceres face. */
async function withDescriptors(image: RgbImage, analysis: SceneAnalysis): Promise<SceneAnalysis> {
  const faces = analysis.people.filter((p) => p.face);
  if (faces.length === 0 || faces.every((p) => faceEmbedding(p.face))) return analysis;
  descriptorSource = 'analyser (face.embedding), and faceres via human-loader for faces it left without one';
  const found = await faceresDescriptors(image);
  return {
    ...analysis,
    people: analysis.people.map((p) => {
      if (!p.face || faceEmbedding(p.face)) return p;
      let best: { box: Box; embedding: number[] } | undefined;
      let bestIou = 0.5;
      for (const d of found) {
        const overlap = iou(d.box, p.face.box);
        if (overlap >= bestIou) {
          best = d;
          bestIou = overlap;
        }
      }
      return best ? { ...p, face: { ...p.face, embedding: best.embedding } } : p;
    }),
  };
}

let descriptorSource = 'analyser (face.embedding)';

function timingsOf(t: Record<string, number | undefined>): Record<string, number> {
  const ms: Record<string, number> = {};
  let total = 0;
  for (const [stage, value] of Object.entries(t)) {
    if (value === undefined) continue;
    ms[stage] = value;
    total += value;
  }
  ms.total = total;
  ms['total-without-analyse'] = total - (ms.analyse ?? 0);
  return ms;
}

async function main(): Promise<void> {
  // src/image blocks every libvips loader but JPEG/PNG/WebP/AVIF buffers (upload hardening). The
  // contact sheet's labels are SVG this script writes itself, and this process takes no uploads.
  sharp.unblock({ operation: ['VipsForeignLoadSvgBuffer'] });
  const manifest = await loadManifest();
  const jobs = (await listJobs(manifest)).slice(0, limit);
  await mkdir(path.join(outDir, 'img'), { recursive: true });
  const peerDir = path.join(outDir, 'peer-work');
  const python = values['no-peer'] ? undefined : findOpenCvPython();
  if (!values['no-peer'] && !python) log('Peer skipped: no Python with OpenCV (cv2) available.');
  if (python) await mkdir(peerDir, { recursive: true });

  log(`Evaluating ${jobs.length} photo(s), styles ${styles.join(', ')}${python ? ', peer: OpenCV ' + PEER_FILTERS.join(' + ') : ''} → ${outDir}`);
  const pipeline = createAnimeMe();
  const analyser = createAnalyser();
  // The old OKS (before 2026-11-25) used only the poses the analyser attached to people; the new one also
  // looks at every body the same pose models find in the output (see compareImages' outputBodies).
  const compareOutput = async (working: RgbImage, input: SceneAnalysis, output: RgbImage) => {
    const outAnalysis = await withDescriptors(output, await analyser.analyse(output));
    const oksOldMetric = compareImages(working, input, output, outAnalysis).oks;
    const outputBodies = await poseBodies(output, input.models.includes(MULTIPOSE_MODEL));
    return { ...compareImages(working, input, output, outAnalysis, { outputBodies }), oksOldMetric };
  };
  const photos: PhotoRecord[] = [];
  const pending: PendingPeer[] = [];
  const inputEmbeddings: Array<{ photo: number; embedding: number[] }> = [];
  let descriptorsSeen = false;
  let facesCompared = 0;
  const started = performance.now();

  // Warm-up outside the timings: the first run loads every model.
  if (jobs.length > 0) {
    try {
      await pipeline.run(await readFile(jobs[0].file), { size });
    } catch {
      // reported on the real run
    }
  }

  for (const [index, job] of jobs.entries()) {
    const base = slug(job.name);
    const photo: PhotoRecord = {
      path: job.name,
      skinGroup: job.row ? skinGroupOf(job.row.skinToneVisible) : 'unknown',
      ageGroup: job.row ? ageGroupOf(job.row.personsGenderAge) : 'none',
      scene: job.row?.scene ?? 'unknown',
      peopleCount: job.row?.peopleCount,
      inputFaces: 0,
      inputFlatness: 0,
      inputLinePresence: undefined,
      variants: [],
    };
    photos.push(photo);
    try {
      const bytes = await readFile(job.file);
      let working: RgbImage | undefined;
      let inputAnalysis: SceneAnalysis | undefined;
      for (const style of styles) {
        const variant = `ours:${style}`;
        try {
          const result = await pipeline.run(bytes, { size, ...(style === 'auto' ? {} : { style }) });
          if (!working || !inputAnalysis) {
            // The pipeline's working image, rebuilt the same way (decode with shrink-on-load, then resize).
            const decoded = await decodeImage(bytes, { maxSide: size });
            working = await resizeImage(decoded.image, result.analysis.width, result.analysis.height);
            inputAnalysis = await withDescriptors(working, result.analysis);
            photo.inputFaces = inputAnalysis.people.filter((p) => p.face).length;
            photo.inputFlatness = colourFlatness(working);
            photo.inputLinePresence = linePresence(working, working)?.share;
            await writeThumb(working, path.join(outDir, 'img', `${base}.input.jpg`));
            await keepWork(working, `${base}.input`);
            photo.file = `img/${base}.input.jpg`;
            for (const p of inputAnalysis.people) {
              const e = faceEmbedding(p.face);
              if (e) inputEmbeddings.push({ photo: index, embedding: e });
            }
            if (python) {
              const input = path.join(peerDir, `${base}.input.png`);
              const full = await resizeImage(decoded.image, result.image.width, result.image.height);
              await writeFile(input, await encodeImage(full, { format: 'png' }));
              const outputs = Object.fromEntries(PEER_FILTERS.map((f) => [f, path.join(peerDir, `${base}.${f}.png`)]));
              pending.push({ photo, working, analysis: inputAnalysis, input, outputs });
            }
          }
          if (style === 'auto') photo.autoStyle = result.description.style;
          const small = await resizeImage(result.image, working.width, working.height);
          await keepWork(small, `${base}.${style}`);
          const c = await compareOutput(working, inputAnalysis, small);
          if (c.descriptors) descriptorsSeen = true;
          facesCompared += c.faces.found;
          const file = `img/${base}.${style}.jpg`;
          await writeThumb(result.image, path.join(outDir, file));
          photo.variants.push({ variant, ms: timingsOf(result.timings), ...withoutFlag(c), file });
          log(`[${index + 1}/${jobs.length}] ${job.name} ${variant}${style === 'auto' ? `=${result.description.style}` : ''}: faces ${c.faces.found}/${c.faces.input}, ${Math.round(timingsOf(result.timings).total)} ms`);
        } catch (error) {
          photo.variants.push(failed(variant, error));
          log(`[${index + 1}/${jobs.length}] ${job.name} ${variant}: FAILED ${messageOf(error)}`);
        }
      }
    } catch (error) {
      photo.error = messageOf(error);
      log(`[${index + 1}/${jobs.length}] ${job.name}: FAILED ${photo.error}`);
    }
  }
  await pipeline.dispose();

  // The peer: one Python process over every photo, at the same output size, timed per image.
  let peerNote: string | undefined = values['no-peer'] ? 'skipped (--no-peer)' : python ? undefined : 'skipped: no Python with OpenCV';
  if (python && pending.length > 0) {
    log(`Running the OpenCV peer on ${pending.length} photo(s)…`);
    const run = spawnSync(python, [path.join(REPO, 'scripts', 'opencv-peer.py')], {
      input: JSON.stringify(pending.map((p) => ({ input: p.input, outputs: p.outputs }))),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (run.status !== 0) {
      peerNote = `failed (exit ${run.status}): ${run.stderr.trim().split('\n').pop() ?? ''}`;
      log(`Peer ${peerNote}`);
    }
    const lines = run.stdout.split('\n').filter((l) => l.trim().startsWith('{'));
    const results = new Map<string, { ms?: Record<string, number>; error?: string }>();
    for (const line of lines) {
      const r = JSON.parse(line) as { input: string; ms?: Record<string, number>; error?: string };
      results.set(r.input, r);
    }
    for (const [k, p] of pending.entries()) {
      const r = results.get(p.input);
      for (const filter of PEER_FILTERS) {
        const variant = `peer:${filter}`;
        try {
          if (!r || r.error || r.ms?.[filter] === undefined) throw new Error(r?.error ?? 'no result from the peer');
          const decoded = await decodeImage(await readFile(p.outputs[filter]));
          const small = await resizeImage(decoded.image, p.working.width, p.working.height);
          await keepWork(small, `${slug(p.photo.path)}.${filter}`);
          const c = await compareOutput(p.working, p.analysis, small);
          const file = `img/${slug(p.photo.path)}.${filter}.jpg`;
          await writeThumb(decoded.image, path.join(outDir, file));
          p.photo.variants.push({ variant, ms: { filter: r.ms[filter], total: r.ms[filter] }, ...withoutFlag(c), file });
        } catch (error) {
          p.photo.variants.push(failed(variant, error));
        }
      }
      log(`[peer ${k + 1}/${pending.length}] ${p.photo.path}: ${PEER_FILTERS.map((f) => `${f} ${r?.ms?.[f] ?? '–'} ms`).join(', ')}`);
    }
    await rm(peerDir, { recursive: true, force: true });
  }
  await analyser.dispose();

  // Likeness floor: descriptor similarity between faces of different photos (unrelated people).
  const floorCos: number[] = [];
  const floorHuman: number[] = [];
  for (let i = 0; i < inputEmbeddings.length; i++) {
    for (let j = i + 1; j < inputEmbeddings.length; j++) {
      if (inputEmbeddings[i].photo === inputEmbeddings[j].photo) continue;
      const c = cosineSimilarity(inputEmbeddings[i].embedding, inputEmbeddings[j].embedding);
      const h = humanSimilarity(inputEmbeddings[i].embedding, inputEmbeddings[j].embedding);
      if (c !== undefined) floorCos.push(c);
      if (h !== undefined) floorHuman.push(h);
    }
  }
  const likenessFloor = { cosine: mean(floorCos), human: mean(floorHuman), pairs: floorCos.length, cosineP95: quantile(floorCos, 0.95), humanP95: quantile(floorHuman, 0.95) };

  const variants = [...styles.map((s) => `ours:${s}`), ...(python ? PEER_FILTERS.map((f) => `peer:${f}`) : [])];
  const groups = summariseGroups(photos, variants);
  const markdown = formatMarkdown(groups, { reference: 'ours:' + styles[0], likenessFloor, stages: STAGES });
  const notes: string[] = [];
  if (descriptorsSeen) notes.push(`Face descriptors: ${descriptorSource}.`);
  if (!descriptorsSeen) {
    notes.push(
      facesCompared > 0
        ? 'Likeness not measured: the analyser exposes no face descriptor. Needed from the analyser owner: `PersonAnalysis.face.embedding?: number[]` (human faceres `FaceResult.embedding`).'
        : 'Likeness not measured: no face was found again in any output.',
    );
  }
  if (peerNote) notes.push(`Peer ${peerNote}.`);
  const speed = speedLines(groups[0]?.variants ?? []);
  const inputBaseline = `Photos themselves: flatness ${fmt(mean(photos.map((p) => p.inputFlatness)))}, line presence ${fmt(mean(photos.map((p) => p.inputLinePresence).filter((v): v is number => v !== undefined)))}.`;
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, load average ${os.loadavg().map((v) => v.toFixed(2)).join(' / ')} at the end; Node ${process.version}; ${Math.round((performance.now() - started) / 1000)} s wall.`;
  const text = [
    `## anime-me evaluation — ${photos.length} photo(s), output ${size} px`,
    '',
    markdown,
    ...speed,
    '',
    inputBaseline,
    `Likeness floor (input faces of different photos, ${likenessFloor.pairs} pairs): cosine ${fmt(likenessFloor.cosine)} (p95 ${fmt(likenessFloor.cosineP95)}), human ${fmt(likenessFloor.human)} (p95 ${fmt(likenessFloor.humanP95)}).`,
    ...notes,
    `Machine: ${machine}`,
    '',
  ].join('\n');

  const report = {
    createdAt: new Date().toISOString(),
    size,
    styles,
    corpus: corpusDir,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadAverage: os.loadavg(), node: process.version },
    conventions: {
      itaShift: 'ITA_out − ITA_in in degrees on the same face-skin pixels; positive = lightened, negative = darkened; black-and-white faces excluded',
      deltaE: 'CIEDE2000 between mean face-skin Lab (D65) in the photo and in the output',
      faceRecall: 'input faces found again in the output (same analyser, IoU ≥ 0.4), pooled over faces',
      oks: "COCO OKS per input person with a visible pose (area = person box), 0 when no output body matches; candidates are the output analysis' poses plus every body the same pose models find in the output (single-person movenet; multipose when the photo got it), paired one-to-one by highest OKS (COCO's greedy rule)",
      oksOldMetric: 'OKS as before 2026-11-25: only poses the output analysis attached to a person paired by face, then by person box IoU ≥ 0.3',
      likeness: 'cosine similarity of face descriptors of matched faces; floor = unrelated faces of different photos',
      flatness: 'share of pixels in the 32 most frequent colours after 5-bit-per-channel quantisation, at working size',
      linePresence: "share of the photo's strong edges (Sobel ≥ 120, top 10 %, thinned) with a thin dark line (luma ≤ 100, ≥ 50 below both sides) within 2 px in the output, at working size",
      timings: 'ours: pipeline stage ms (total = sum of stages, first run discarded as warm-up); peer: filter ms only',
    },
    targets: checkTargets(groups),
    likenessFloor,
    descriptorSource,
    notes,
    summary: groups,
    photos,
  };
  await writeFile(path.join(outDir, 'report.json'), `${JSON.stringify(report, null, 1)}\n`);
  await writeContactSheet(photos, variants, path.join(outDir, 'contact-sheet.png'));
  await writeFile(path.join(outDir, 'index.html'), html(photos, variants, text));
  process.stdout.write(text);
  log(`Wrote ${path.join(outDir, 'report.json')}, contact-sheet.png and index.html`);
}

function withoutFlag(c: ReturnType<typeof compareImages> & { oksOldMetric: number[] }): Omit<VariantRecord, 'variant' | 'ms'> {
  const { descriptors: _descriptors, ...rest } = c;
  return rest;
}

function failed(variant: string, error: unknown): VariantRecord {
  return {
    variant,
    ms: {},
    faces: { input: 0, found: 0, extra: 0 },
    oks: [],
    likeness: [],
    likenessHuman: [],
    skin: [],
    flatness: 0,
    linePresence: undefined,
    error: messageOf(error),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function quantile(values: number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function speedLines(variants: ReturnType<typeof summariseGroups>[number]['variants']): string[] {
  const ours = variants.filter((v) => v.variant.startsWith('ours:'));
  const peers = variants.filter((v) => v.variant.startsWith('peer:'));
  const lines: string[] = [];
  for (const o of ours) {
    for (const p of peers) {
      const a = o.ms.total;
      const b = p.ms.total;
      const c = o.ms['total-without-analyse'];
      if (a === undefined || b === undefined || b === 0) continue;
      lines.push(
        `Speed: ${o.variant} ${a.toFixed(0)} ms per photo end to end (${c?.toFixed(0) ?? '–'} ms without analysis) vs ${p.variant} ${b.toFixed(0)} ms (filter only): ours takes ${(a / b).toFixed(1)}× the peer's time (${c !== undefined ? (c / b).toFixed(1) : '–'}× without analysis).`,
      );
    }
  }
  return lines;
}

/** Key figures of one output, for labels: recall, OKS, likeness, ITA shift, ΔE, flatness, lines, ms. */
function figures(v: VariantRecord): string[] {
  if (v.error) return [`${v.variant}`, `FAILED: ${v.error.slice(0, 40)}`];
  const ita = mean(v.skin.filter((s) => !s.monochrome).map((s) => s.itaShift));
  const de = mean(v.skin.map((s) => s.deltaE));
  return [
    `${v.variant}  ${Math.round(v.ms.total ?? 0)} ms`,
    `faces ${v.faces.found}/${v.faces.input} OKS ${fmt(mean(v.oks))} like ${fmt(mean(v.likeness))}`,
    `ITA ${ita === undefined ? '–' : (ita >= 0 ? '+' : '') + ita.toFixed(1)} ΔE ${fmt(de, 1)} flat ${fmt(v.flatness)} line ${fmt(v.linePresence)}`,
  ];
}

function inputFigures(p: PhotoRecord): string[] {
  return [
    p.path.replace(/^images\//, '').slice(0, 30),
    `${p.skinGroup} · ${p.ageGroup} · ${p.scene}`,
    `faces ${p.inputFaces} (manifest ${p.peopleCount ?? '?'}) flat ${fmt(p.inputFlatness)}`,
  ];
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A grid, one block per photo: input | each output, the key figures printed under each cell. */
async function writeContactSheet(photos: PhotoRecord[], variants: string[], file: string): Promise<void> {
  const cols = 1 + variants.length;
  const cellW = THUMB + 8;
  const cellH = THUMB + 44;
  const blockW = cols * cellW + 16;
  // About 2800 px wide at most: two blocks of all seven variants, four of the default three.
  const blocksPerRow = Math.max(1, Math.min(4, Math.floor(2800 / blockW)));
  const rows = Math.ceil(photos.length / blocksPerRow);
  const width = blocksPerRow * blockW;
  const height = Math.max(1, rows * cellH);
  const composites: OverlayOptions[] = [];
  const texts: string[] = [];
  for (const [i, p] of photos.entries()) {
    const bx = (i % blocksPerRow) * blockW;
    const by = Math.floor(i / blocksPerRow) * cellH;
    const cells: Array<{ file?: string; lines: string[] }> = [
      { ...(p.file ? { file: p.file } : {}), lines: p.error ? [p.path, `FAILED: ${p.error.slice(0, 40)}`] : inputFigures(p) },
      ...variants.map((name) => {
        const v = p.variants.find((x) => x.variant === name);
        return v ? { ...(v.file ? { file: v.file } : {}), lines: figures(v) } : { lines: [name, '—'] };
      }),
    ];
    for (const [c, cell] of cells.entries()) {
      const x = bx + c * cellW + 4;
      if (cell.file && existsSync(path.join(path.dirname(file), cell.file))) {
        // Buffer, not path: src/image leaves only libvips' buffer loaders unblocked.
        const thumb = await sharp(await readFile(path.join(path.dirname(file), cell.file)))
          .resize(THUMB, THUMB, { fit: 'contain', background: { r: 40, g: 40, b: 40 } })
          .png()
          .toBuffer();
        composites.push({ input: thumb, left: x, top: by + 2 });
      }
      cell.lines.forEach((line, k) => {
        texts.push(`<text x="${x}" y="${by + THUMB + 13 + k * 12}">${escapeXml(line)}</text>`);
      });
    }
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><style>text{font:9.5px DejaVu Sans, sans-serif;fill:#eee}</style>${texts.join('')}</svg>`;
  composites.push({ input: Buffer.from(svg), left: 0, top: 0 });
  await sharp({ create: { width, height, channels: 3, background: { r: 24, g: 24, b: 24 } } })
    .composite(composites)
    .png({ compressionLevel: 6 })
    .toFile(file);
}

function html(photos: PhotoRecord[], variants: string[], summary: string): string {
  const cell = (src: string | undefined, lines: string[]) =>
    `<td>${src ? `<img src="${escapeXml(src)}" loading="lazy">` : ''}<div>${lines.map(escapeXml).join('<br>')}</div></td>`;
  const rows = photos
    .map((p) => {
      const outputs = variants.map((name) => {
        const v = p.variants.find((x) => x.variant === name);
        return v ? cell(v.file, figures(v)) : cell(undefined, [name, '—']);
      });
      return `<tr>${cell(p.file, p.error ? [p.path, `FAILED: ${p.error}`] : inputFigures(p))}${outputs.join('')}</tr>`;
    })
    .join('\n');
  return `<!doctype html><meta charset="utf-8"><title>anime-me evaluation</title>
<style>body{font:13px system-ui,sans-serif;background:#181818;color:#eee}td{vertical-align:top;padding:4px}img{max-width:200px;max-height:200px;display:block}td div{font-size:11px;max-width:220px}pre{white-space:pre-wrap;font-size:12px}</style>
<h1>anime-me evaluation</h1><p>Local report: never publish or commit it (it shows corpus photos).</p>
<table><tr><th>input</th>${variants.map((v) => `<th>${escapeXml(v)}</th>`).join('')}</tr>
${rows}</table>
<h2>Summary</h2><pre>${escapeXml(summary)}</pre>
`;
}

main().catch((error: unknown) => {
  log(`eval failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
