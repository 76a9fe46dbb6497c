/** `anime-me models …`: list packs in a folder, verify one (layout, tensor signatures, configs), pull one. */
import { formatProblem, listPacks, verifyPack } from '../diffusion/index.js';
import { toAnimeMeError } from '../errors.js';

import { DEFAULT_MODELS_DIR, modelsDir } from '../models/models-dir.js';

const USAGE = `Usage:
  anime-me models list [dir]       packs in dir (default $ANIME_ME_MODELS_DIR or ${DEFAULT_MODELS_DIR})
  anime-me models verify <dir>     check a pack: files, configs, ONNX tensor names/dtypes/shapes
  anime-me models pull <url> [dir] download a pack file with resume and checksum`;

export async function runModels(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    if (command === 'list') {
      const dir = modelsDir(rest[0]);
      const packs = listPacks(dir);
      if (packs.length === 0) {
        process.stdout.write(`no model packs in ${dir}\n`);
        return 0;
      }
      for (const pack of packs) {
        const parts = [pack.name, `${pack.kind}${pack.exporter ? ` (${pack.exporter})` : ''}${pack.tinyVae ? ' + tiny VAE' : ''}`, pack.dir, ...(pack.description ? [pack.description] : [])];
        process.stdout.write(`${parts.join('\t')}\n`);
      }
      return 0;
    }
    if (command === 'verify') {
      if (!rest[0]) {
        process.stderr.write(`anime-me models verify needs a folder\n${USAGE}\n`);
        return 2;
      }
      const problems = await verifyPack(rest[0]);
      const errors = problems.filter((p) => p.severity === 'error');
      for (const p of problems) process.stdout.write(`${p.severity}: ${formatProblem(p)}\n`);
      process.stdout.write(errors.length ? `${rest[0]}: ${errors.length} problem(s); the pack cannot be used\n` : `${rest[0]}: ok\n`);
      return errors.length ? 1 : 0;
    }
    if (command === 'pull') {
      const { runPull } = await import('./models-pull.js');
      return await runPull(rest);
    }
    process.stderr.write(`${USAGE}\n`);
    return 2;
  } catch (error) {
    const e = toAnimeMeError(error);
    process.stderr.write(`anime-me models: ${e.code}: ${e.message}\n`);
    return 1;
  }
}
