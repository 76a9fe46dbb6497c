/**
 * Reads a pack's CLIP tokenizer files from disk (the only file-system code in the tokenizer).
 * Accepts either the pack root or its `tokenizer/` folder.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AnimeMeError } from '../../errors.js';
import { createClipTokenizer, type ClipTokenizer } from './clip-tokenizer.js';

/** Real CLIP files are ~2 MB; anything this large is not a tokenizer. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

export async function loadClipTokenizer(dir: string): Promise<ClipTokenizer> {
  const folder = (await exists(path.join(dir, 'tokenizer', 'vocab.json'))) ? path.join(dir, 'tokenizer') : dir;
  const vocab = await readJson(path.join(folder, 'vocab.json'), true);
  const merges = await readText(path.join(folder, 'merges.txt'), true);
  const specialTokensMap = await readJson(path.join(folder, 'special_tokens_map.json'), false);
  const tokenizerConfig = await readJson(path.join(folder, 'tokenizer_config.json'), false);
  return createClipTokenizer({
    vocab: vocab as Record<string, number>,
    merges: merges as string,
    specialTokensMap: asObject(specialTokensMap),
    tokenizerConfig: asObject(tokenizerConfig),
  });
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function readText(file: string, required: boolean): Promise<string | undefined> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    if (!required) return undefined;
    throw new AnimeMeError('MODEL_MISSING', `The model pack has no ${path.basename(file)} at ${file}`, { details: { file } });
  }
  if (size > MAX_FILE_BYTES) throw new AnimeMeError('MODEL_INVALID', `${file} is ${size} bytes, too large for a tokenizer file`, { details: { file } });
  return readFile(file, 'utf8');
}

async function readJson(file: string, required: boolean): Promise<unknown> {
  const text = await readText(file, required);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new AnimeMeError('MODEL_INVALID', `${file} is not valid JSON: ${(error as Error).message}`, { cause: error, details: { file } });
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
