/**
 * Regenerates the README gallery from the committed public-domain fixtures only (never gh_* corpus
 * photos): one before/after composite per embedded style.   node --import tsx scripts/gallery.ts
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createAnimeMe } from '../src/node/create-anime-me.js';

const photos = path.resolve('test/fixtures/photos');
const out = path.resolve('docs/gallery');

const entries: Array<{ photo: string; style?: string; name: string }> = [
  { photo: 'deb_skimage_astronaut.png', style: 'bright-cel', name: 'astronaut-bright-cel' },
  { photo: 'deb_mpl_grace_hopper.jpg', name: 'grace-hopper-auto' },
  { photo: 'deb_skimage_chelsea.png', style: 'soft-watercolor', name: 'chelsea-soft-watercolor' },
  { photo: 'deb_skimage_camera.png', style: 'manga-ink', name: 'camera-manga-ink' },
  { photo: 'deb_skimage_coffee.png', style: 'dreamy-sky', name: 'coffee-dreamy-sky' },
  { photo: 'deb_skimage_astronaut.png', style: 'manga-ink', name: 'astronaut-manga-ink' },
];

const pipeline = createAnimeMe();
try {
  for (const entry of entries) {
    const bytes = new Uint8Array(await readFile(path.join(photos, entry.photo)));
    const result = await pipeline.run(bytes, { size: 768, composite: true, ...(entry.style ? { style: entry.style } : {}), caption: `anime-me · ${entry.style ?? 'auto style'}` });
    await writeFile(path.join(out, `${entry.name}.jpg`), result.composite!);
    console.log(`${entry.name}: ${result.description.preset.id}/${result.description.style} — ${result.description.text}`);
  }
} finally {
  await pipeline.dispose();
}
