/**
 * End-to-end benchmark: per-stage milliseconds and images/second on real photos, at 512 px and 720p
 * (1280 px long side) output, plus the low-res + super-resolution path against stylizing at full size.
 * Warm figures: one untimed run per configuration first. Prints a table and the machine description.
 *
 *   npm run bench                 (fixtures + up to 12 corpus photos when ../shared/corpus exists)
 *   npm run bench -- --runs 5 photo.jpg …
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { StageName } from '../src/core/types.js';
import { STAGE_NAMES } from '../src/core/types.js';
import { createAnimeMe } from '../src/node/create-anime-me.js';
import type { RunOptions } from '../src/pipeline/options.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '3' }, corpus: { type: 'string', default: '12' } },
});
const runs = Number(values.runs);

async function defaultPhotos(): Promise<string[]> {
  const fixtures = path.resolve('test/fixtures/photos');
  const files = (await readdir(fixtures)).filter((f) => /\.(png|jpe?g)$/i.test(f)).map((f) => path.join(fixtures, f));
  const corpus = path.resolve('../shared/corpus/images');
  if (existsSync(corpus)) {
    // A fixed, varied subset: portraits of several skin tones, groups, pets, landscapes.
    const wanted = ['gh_fairface_0003.jpg', 'gh_fairface_0100.jpg', 'gh_singnet_adele.jpg', 'gh_maxemo_group.jpg', 'gh_facerec_two_people.jpg',
      'gh_tracel_labrador.jpg', 'deb_lomiri_aitzgorri.jpg', 'deb_plasma_path.jpg', 'gh_singnet_city_portrait.jpg', 'gh_maxcap_baseball_team.jpg',
      'gh_kodak_kodim04.png', 'deb_mate_dune.jpg'];
    for (const f of wanted.slice(0, Number(values.corpus))) if (existsSync(path.join(corpus, f))) files.push(path.join(corpus, f));
  }
  return files;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

interface Scenario {
  name: string;
  options: RunOptions;
}

const scenarios: Scenario[] = [
  { name: '512 px (256 → SR ×2)', options: { size: 512 } },
  { name: '720p (640 → SR ×2)', options: { size: 1280 } },
  { name: '720p, stylized at full size (no SR)', options: { size: 1280, upscale: 1 } },
  { name: '720p (640 → SR ×2) + composite', options: { size: 1280, composite: true } },
];

async function main() {
  const files = positionals.length ? positionals : await defaultPhotos();
  const photos = await Promise.all(files.map(async (f) => ({ name: path.basename(f), bytes: new Uint8Array(await readFile(f)) })));
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load avg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`photos: ${photos.length}, warm runs per photo: ${runs} (median per photo, then median over photos)\n`);

  // Every warm run must pay for its analysis, as a new photo does: no memo of the previous run's.
  const pipeline = createAnimeMe({ analysisMemo: false });
  const loadStart = performance.now();
  await pipeline.run(photos[0].bytes, { size: 256 }); // loads the models
  console.log(`first run incl. model load: ${Math.round(performance.now() - loadStart)} ms\n`);

  const header = ['scenario', ...STAGE_NAMES, 'total', 'img/s'];
  const rows: string[][] = [];
  for (const scenario of scenarios) {
    const perPhotoTotals: number[] = [];
    const perStage: Record<string, number[]> = {};
    for (const photo of photos) {
      await pipeline.run(photo.bytes, scenario.options); // warm this size
      const totals: number[] = [];
      const stages: Record<string, number[]> = {};
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const result = await pipeline.run(photo.bytes, scenario.options);
        totals.push(performance.now() - t0);
        for (const [stage, ms] of Object.entries(result.timings)) (stages[stage] ??= []).push(ms);
      }
      perPhotoTotals.push(median(totals));
      for (const [stage, list] of Object.entries(stages)) (perStage[stage] ??= []).push(median(list));
    }
    const total = median(perPhotoTotals);
    rows.push([
      scenario.name,
      ...STAGE_NAMES.map((s: StageName) => (perStage[s] ? median(perStage[s]).toFixed(0) : '-')),
      total.toFixed(0),
      (1000 / total).toFixed(2),
    ]);
  }
  await pipeline.dispose();
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  console.log('\nmilliseconds, warm, median; "total" is end to end including decode of the input file and encode of the output.');
}

await main();
