/**
 * BlobStorage on a local folder. Several processes (the HTTP server and `anime-me worker`s on the
 * same host, or hosts sharing a network mount) can use one folder: writes go to a unique temporary
 * name and are renamed into place, so a reader never sees half a file and two writers of the same
 * key (a retried job) simply replace each other with identical content.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AnimeMeError } from '../errors.js';
import { isValidKey, type BlobStorage, type StoredEntry } from './storage.js';

export interface LocalStorageOptions {
  /** The folder; created when missing. */
  dir: string;
}

const TEMP_SUFFIX = '.partial';

export function createLocalStorage(options: LocalStorageOptions): BlobStorage {
  const root = path.resolve(options.dir);
  let ready: Promise<unknown> | undefined;
  const ensureRoot = () => (ready ??= mkdir(root, { recursive: true, mode: 0o700 }));

  function fileOf(key: string): string {
    if (!isValidKey(key)) throw new AnimeMeError('INVALID_ARGUMENT', `Invalid storage key "${String(key).slice(0, 80)}"`);
    return path.join(root, ...key.split('/'));
  }

  async function walk(dir: string, prefix: string, out: StoredEntry[]): Promise<void> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      let info;
      try {
        info = await stat(file);
      } catch {
        continue; // removed meanwhile by another process's sweep
      }
      const key = prefix ? `${prefix}/${name}` : name;
      if (info.isDirectory()) await walk(file, key, out);
      else if (info.isFile()) out.push({ key, writtenAt: info.mtimeMs, size: info.size });
    }
  }

  async function removeEmptyParents(file: string): Promise<void> {
    // Job folders are deleted once empty so the store does not fill with empty directories.
    let dir = path.dirname(file);
    while (dir.startsWith(root) && dir !== root) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone)
      }
      dir = path.dirname(dir);
    }
  }

  async function deleteKey(key: string): Promise<void> {
    const file = fileOf(key);
    try {
      await unlink(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await removeEmptyParents(file);
  }

  return {
    name: 'local',
    async put(key, bytes) {
      const file = fileOf(key);
      await ensureRoot();
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      const temp = `${file}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
      await writeFile(temp, bytes, { mode: 0o600 });
      await rename(temp, file);
    },
    async get(key) {
      try {
        return new Uint8Array(await readFile(fileOf(key)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async has(key) {
      try {
        return (await stat(fileOf(key))).isFile();
      } catch {
        return false;
      }
    },
    delete: deleteKey,
    async deletePrefix(prefix) {
      const entries: StoredEntry[] = [];
      await walk(root, '', entries);
      let deleted = 0;
      for (const entry of entries) {
        if (!entry.key.startsWith(prefix)) continue;
        await deleteKey(entry.key).catch(() => undefined);
        deleted++;
      }
      return deleted;
    },
    async sweep(ttlMs, now = Date.now()) {
      const entries: StoredEntry[] = [];
      await walk(root, '', entries);
      let deleted = 0;
      for (const entry of entries) {
        if (now - entry.writtenAt <= ttlMs) continue;
        const file = path.join(root, ...entry.key.split('/'));
        try {
          await unlink(file);
          deleted++;
        } catch {
          // another sweeper got there first
        }
        await removeEmptyParents(file);
      }
      return deleted;
    },
    async list(prefix = '') {
      const entries: StoredEntry[] = [];
      await walk(root, '', entries);
      return entries.filter((e) => e.key.startsWith(prefix) && !e.key.endsWith(TEMP_SUFFIX)).sort((a, b) => a.key.localeCompare(b.key));
    },
    async close() {},
  };
}
