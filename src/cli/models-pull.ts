/** `anime-me models pull <url> [dir] [--sha256 hex]`: one file, resumable, checked. */
import { parseArgs } from 'node:util';
import { pullFile } from '../models/pull.js';
import { modelsDir } from '../models/models-dir.js';

export async function runPull(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { sha256: { type: 'string' } } });
  const [url, dir] = positionals;
  if (!url) {
    process.stderr.write('Usage: anime-me models pull <url> [dir] [--sha256 <hex>]\n');
    return 2;
  }
  const tty = process.stderr.isTTY;
  const result = await pullFile(url, {
    dir: modelsDir(dir),
    ...(values.sha256 ? { sha256: values.sha256 } : {}),
    onProgress: (received, total) => {
      if (tty) process.stderr.write(`\r\x1b[2K${(received / 2 ** 20).toFixed(1)}${total ? ` / ${(total / 2 ** 20).toFixed(1)}` : ''} MiB`);
    },
  });
  if (tty) process.stderr.write('\r\x1b[2K');
  process.stdout.write(`${result.path}\t${result.bytes} bytes\tsha256 ${result.sha256}${result.resumedFrom ? `\tresumed from ${result.resumedFrom}` : ''}\n`);
  return 0;
}
