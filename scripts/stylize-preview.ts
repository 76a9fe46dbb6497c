/**
 * Dev preview for the embedded stylizer: each photo is resized to 512 px long side, optionally
 * analysed, stylized in every style, and written as a contact sheet (photo + 4 styles) to
 * /tmp/stylize-preview/<name>.png. Prints ms per style.
 *
 * --metrics (implies --analyse) re-analyses every output and prints face recall and pose OKS per
 * style, the structure figures of `npm run eval` without its pipeline, upscaling and descriptors, so
 * a change to the look can be checked on a subset in minutes. --styles a,b limits the styles;
 * --repeat n times each style n times and reports the fastest (less noise on a shared machine).
 *
 *   node --import tsx scripts/stylize-preview.ts [--analyse] [--metrics] [--styles a,b] [--repeat n] [--out DIR] [--singles] photo...
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../src/core/raster.js';
import { EMBEDDED_STYLES, emptyAnalysis, type Analyser, type SceneAnalysis } from '../src/core/types.js';
import { compareImages, mean } from '../src/eval/index.js';
import { createEmbeddedStylizer } from '../src/stylize/index.js';

async function loadWorking(path: string): Promise<RgbImage> {
  const { data, info } = await sharp(path)
    .rotate()
    .resize({ width: 512, height: 512, fit: 'inside' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

function toPng(img: RgbImage): Promise<Buffer> {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .png()
    .toBuffer();
}

async function loadAnalyser(): Promise<Analyser | null> {
  try {
    // A variable path keeps this script compiling while the analyser's API is still moving.
    const path = '../src/analyse/index.js';
    const mod = (await import(path)) as { createAnalyser: () => Analyser };
    return mod.createAnalyser();
  } catch (error) {
    console.warn(`analyser unavailable: ${(error as Error).message}`);
    return null;
  }
}

/** Analyses are cached as JSON (masks as base64) so iterating on the look does not rerun models. */
function serialiseAnalysis(a: SceneAnalysis): string {
  return JSON.stringify(a, (_key, value: unknown) =>
    value instanceof Uint8Array ? { $u8: Buffer.from(value.buffer, value.byteOffset, value.length).toString('base64') } : value,
  );
}

function reviveAnalysis(text: string): SceneAnalysis {
  return JSON.parse(text, (_key, value: unknown) =>
    value && typeof value === 'object' && '$u8' in value ? new Uint8Array(Buffer.from((value as { $u8: string }).$u8, 'base64')) : value,
  ) as SceneAnalysis;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let outDir = '/tmp/stylize-preview';
  let analyse = false;
  let singles = false;
  let metrics = false;
  let repeat = 1;
  let styles: readonly string[] = EMBEDDED_STYLES;
  const photos: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--out') outDir = args[++i];
    else if (args[i] === '--analyse') analyse = true;
    else if (args[i] === '--singles') singles = true;
    else if (args[i] === '--metrics') metrics = analyse = true;
    else if (args[i] === '--repeat') repeat = Math.max(1, Number(args[++i]));
    else if (args[i] === '--styles') styles = args[++i].split(',');
    else photos.push(args[i]);
  }
  const unknown = styles.filter((s) => !(EMBEDDED_STYLES as readonly string[]).includes(s));
  if (unknown.length) {
    console.error(`unknown style(s) ${unknown.join(', ')}; use ${EMBEDDED_STYLES.join(', ')}`);
    process.exit(2);
  }
  const tally = new Map<string, { input: number; found: number; oks: number[]; ms: number[] }>();
  if (!photos.length) {
    console.error('usage: stylize-preview [--analyse] [--out DIR] [--singles] photo...');
    process.exit(2);
  }
  mkdirSync(outDir, { recursive: true });
  const holder: { analyser?: Promise<Analyser | null> } = {};
  const getAnalyser = (): Promise<Analyser | null> => (holder.analyser ??= loadAnalyser());
  const stylizer = createEmbeddedStylizer({ yieldBetweenSteps: false });
  for (const path of photos) {
    const name = basename(path, extname(path));
    const image = await loadWorking(path);
    let analysis: SceneAnalysis = emptyAnalysis(image.width, image.height);
    const cachePath = join(outDir, 'cache', `${name}.analysis.json`);
    if (analyse && existsSync(cachePath)) {
      analysis = reviveAnalysis(readFileSync(cachePath, 'utf8'));
      console.log(`${name}: cached analysis: ${analysis.people.length} people, mask ${analysis.personMask ? 'yes' : 'no'}`);
    } else if (analyse) {
      const analyser = await getAnalyser();
      if (!analyser) throw new Error('--analyse given but the analyser failed to load');
      const t = performance.now();
      analysis = await analyser.analyse(image);
      mkdirSync(join(outDir, 'cache'), { recursive: true });
      writeFileSync(cachePath, serialiseAnalysis(analysis));
      const faces = analysis.people.filter((p) => p.face).length;
      const lms = analysis.people.filter((p) => p.face?.landmarks).length;
      console.log(`${name}: analysed in ${(performance.now() - t).toFixed(0)} ms: ${analysis.peopleCount} people, ${faces} faces, ${lms} with landmarks, mask ${analysis.personMask ? 'yes' : 'no'}`);
    }
    const panels: Buffer[] = [await toPng(image)];
    const times: string[] = [];
    const scores: string[] = [];
    for (const style of styles) {
      let best = Infinity;
      let out = image;
      for (let r = 0; r < repeat; r++) {
        const t = performance.now();
        out = await stylizer.stylize({ image, analysis, style: style as (typeof EMBEDDED_STYLES)[number], seed: 42 });
        best = Math.min(best, performance.now() - t);
      }
      times.push(`${style} ${best.toFixed(0)} ms`);
      const entry = tally.get(style) ?? { input: 0, found: 0, oks: [], ms: [] };
      tally.set(style, entry);
      entry.ms.push(best);
      if (metrics) {
        const analyser = await getAnalyser();
        if (!analyser) throw new Error('--metrics needs the analyser');
        const c = compareImages(image, analysis, out, await analyser.analyse(out));
        entry.input += c.faces.input;
        entry.found += c.faces.found;
        entry.oks.push(...c.oks);
        scores.push(`${style} faces ${c.faces.found}/${c.faces.input} oks ${c.oks.map((v) => v.toFixed(2)).join('/') || '-'}`);
      }
      const png = await toPng(out);
      panels.push(png);
      if (singles) await sharp(png).toFile(join(outDir, `${name}.${style}.png`));
    }
    const gap = 6;
    const sheet = await sharp({
      create: { width: panels.length * (image.width + gap) - gap, height: image.height, channels: 3, background: { r: 255, g: 255, b: 255 } },
    })
      .composite(panels.map((input, k) => ({ input, left: k * (image.width + gap), top: 0 })))
      .png()
      .toFile(join(outDir, `${name}.png`));
    void sheet;
    console.log(`${name} ${image.width}x${image.height}: ${times.join(', ')}`);
    if (scores.length) console.log(`  ${scores.join(' | ')}`);
  }
  console.log('\nstyle            faces         recall  OKS    mean ms  max ms');
  for (const [style, t] of tally) {
    const recall = t.input ? `${((100 * t.found) / t.input).toFixed(0)} %` : '-';
    const oks = t.oks.length ? (mean(t.oks) as number).toFixed(2) : '-';
    console.log(
      `${style.padEnd(16)} ${`${t.found}/${t.input}`.padEnd(13)} ${recall.padEnd(7)} ${oks.padEnd(6)} ${(mean(t.ms) as number).toFixed(0).padStart(7)} ${Math.max(...t.ms).toFixed(0).padStart(7)}`,
    );
  }
  if (holder.analyser) await (await holder.analyser)?.dispose();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
