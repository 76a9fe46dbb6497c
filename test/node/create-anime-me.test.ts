/**
 * The whole Node pipeline (analyser, embedded stylizer, Anime4K SR, composite) on real photos: the
 * committed public-domain fixtures always, and a spread of the shared corpus (skin tones, ages,
 * groups, pets, landscapes) when ../shared/corpus is present (CI has it).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createAnalyser } from '../../src/analyse/index.js';
import { readInfotext } from '../../src/core/png-text.js';
import { createAnimeMe } from '../../src/node/create-anime-me.js';
import { resizeImage } from '../../src/image/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = path.join(root, 'test/fixtures/photos');
const corpus = path.resolve(root, '../shared/corpus/images');
const hasCorpus = existsSync(corpus);

const animeMe = createAnimeMe();
const checker = createAnalyser();
after(async () => {
  await animeMe.dispose();
  await checker.dispose();
});

interface Case {
  file: string;
  /** What the photo is, for messages. */
  kind: string;
  /** The analyser finds a face in the input, and it must still find one in the output. */
  faceKept?: boolean;
}

const fixtureCases: Case[] = [
  { file: path.join(fixtures, 'deb_skimage_astronaut.png'), kind: 'portrait, light skin', faceKept: true },
  { file: path.join(fixtures, 'deb_mpl_grace_hopper.jpg'), kind: 'elderly portrait', faceKept: true },
  { file: path.join(fixtures, 'deb_skimage_chelsea.png'), kind: 'pet' },
  { file: path.join(fixtures, 'deb_skimage_coffee.png'), kind: 'no people' },
  { file: path.join(fixtures, 'deb_skimage_camera.png'), kind: 'black-and-white photo' },
];
const corpusCases: Case[] = [
  { file: 'gh_fairface_0057.jpg', kind: 'portrait, dark skin', faceKept: true },
  { file: 'gh_singnet_woman_portrait.jpg', kind: 'portrait, dark skin', faceKept: true },
  { file: 'gh_facerec_obama.jpg', kind: 'portrait, medium-dark skin', faceKept: true },
  { file: 'gh_maxemo_happy_baby.jpg', kind: 'child' },
  { file: 'gh_maxemo_group.jpg', kind: 'group' },
  { file: 'gh_tracel_labrador.jpg', kind: 'pet (dog)' },
  { file: 'deb_lomiri_aitzgorri.jpg', kind: 'landscape with sky' },
].map((c) => ({ ...c, file: path.join(corpus, c.file) }));

async function checkPhoto(c: Case) {
  const bytes = new Uint8Array(await readFile(c.file));
  const input = await sharp(bytes).metadata();
  const result = await animeMe.run(bytes, { size: 640, composite: true, seed: 11 });
  // Size and aspect: long side as asked, aspect within rounding of the (upright) input's.
  const meta = await sharp(result.output).metadata();
  assert.equal(Math.max(meta.width!, meta.height!), 640, `${c.kind}: long side`);
  const inAspect = input.width! / input.height!;
  assert.ok(Math.abs(meta.width! / meta.height! - inAspect) / inAspect < 0.02, `${c.kind}: aspect kept`);
  // Metadata: nothing from the input survives.
  assert.equal(meta.exif, undefined);
  assert.equal(meta.icc, undefined);
  // The parameters chunk round-trips.
  const params = readInfotext(result.output);
  assert.ok(params, `${c.kind}: parameters chunk`);
  assert.equal(params.prompt, result.description.prompt.positive);
  assert.equal(params.negativePrompt, result.description.prompt.negative);
  assert.equal(params.seed, 11);
  assert.deepEqual([params.width, params.height], [meta.width, meta.height]);
  // Composite arranged by orientation.
  const composite = await sharp(result.composite!).metadata();
  if (meta.height! > meta.width!) assert.ok(composite.width! > composite.height!, `${c.kind}: portrait → side by side`);
  if (meta.width! > meta.height! * 1.05) assert.ok(composite.height! > composite.width!, `${c.kind}: landscape → stacked`);
  assert.equal(composite.exif, undefined);
  // A face found in the input is still found in the output.
  if (c.faceKept) {
    assert.ok(result.analysis.people.some((p) => p.face), `${c.kind}: the analyser found a face in the input`);
    const small = await resizeImage(result.image, result.analysis.width, result.analysis.height);
    const again = await checker.analyse(small);
    assert.ok(again.people.some((p) => p.face), `${c.kind}: a face is still found in the anime output`);
  }
  return result;
}

for (const c of fixtureCases) {
  test(`end to end: ${c.kind} (${path.basename(c.file)})`, async () => {
    await checkPhoto(c);
  });
}

for (const c of corpusCases) {
  test(`end to end on the corpus: ${c.kind} (${path.basename(c.file)})`, { skip: hasCorpus ? false : 'the shared corpus (../shared/corpus) is not present' }, async () => {
    await checkPhoto(c);
  });
}

test('determinism: the same photo, style and seed give byte-identical output through the whole Node pipeline', async () => {
  const bytes = new Uint8Array(await readFile(path.join(fixtures, 'deb_skimage_astronaut.png')));
  const a = await animeMe.run(bytes, { size: 384, seed: 5, style: 'bright-cel', composite: true });
  const b = await animeMe.run(bytes, { size: 384, seed: 5, style: 'bright-cel', composite: true });
  assert.deepEqual(a.output, b.output);
  assert.deepEqual(a.composite, b.composite);
});

test('scene presets follow the analysis: portrait, pet, object and black-and-white photos get different looks', async () => {
  const run = async (name: string) =>
    (await animeMe.run(new Uint8Array(await readFile(path.join(fixtures, name))), { size: 256 })).description;
  const astronaut = await run('deb_skimage_astronaut.png');
  const cat = await run('deb_skimage_chelsea.png');
  const camera = await run('deb_skimage_camera.png');
  assert.ok(astronaut.preset.id.startsWith('portrait'), astronaut.preset.id);
  assert.equal(cat.preset.id, 'pet');
  assert.equal(camera.style, 'manga-ink');
  assert.notEqual(astronaut.style, cat.style);
});
