/**
 * Dev preview for the embedded stylizer: each photo is resized to 512 px long side, optionally
 * analysed, stylized in every style, and written as a contact sheet (photo + 4 styles) to
 * /tmp/stylize-preview/<name>.png. Prints ms per style.
 *
 *   node --import tsx scripts/stylize-preview.ts [--analyse] [--out DIR] [--singles] photo...
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../src/core/raster.js';
import { EMBEDDED_STYLES, emptyAnalysis, type Analyser, type SceneAnalysis } from '../src/core/types.js';
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
  const photos: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--out') outDir = args[++i];
    else if (args[i] === '--analyse') analyse = true;
    else if (args[i] === '--singles') singles = true;
    else photos.push(args[i]);
  }
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
    for (const style of EMBEDDED_STYLES) {
      const t = performance.now();
      const out = await stylizer.stylize({ image, analysis, style, seed: 42 });
      times.push(`${style} ${(performance.now() - t).toFixed(0)} ms`);
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
  }
  if (holder.analyser) await (await holder.analyser)?.dispose();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
