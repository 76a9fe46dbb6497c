import os from 'node:os';
import path from 'node:path';

/** Where packs live unless a folder or ANIME_ME_MODELS_DIR says otherwise: per user, outside any project. */
export const DEFAULT_MODELS_DIR = path.join(os.homedir(), '.anime-me', 'models');

export function modelsDir(option?: string): string {
  return option ?? process.env.ANIME_ME_MODELS_DIR ?? DEFAULT_MODELS_DIR;
}
