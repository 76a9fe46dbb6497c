/**
 * Where job bytes live: the uploaded photo, the result image, the share composite and a small JSON
 * record of the outcome. The queue only ever carries keys, never bytes (BullMQ stores job data in
 * clear text, and a photo of a person is personal data). Any backend that can put/get/delete by key
 * and forget old entries can be used: a local (or shared network) folder today, an object store later.
 */

export interface StoredEntry {
  key: string;
  /** When the entry was written, ms since the epoch. */
  writtenAt: number;
  size: number;
}

export interface BlobStorage {
  /** Short name for logs and /healthz ("local"). */
  readonly name: string;
  /** Write atomically: readers see the old entry, nothing, or the whole new entry. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The bytes, or undefined when there is no such entry (never written, deleted or expired). */
  get(key: string): Promise<Uint8Array | undefined>;
  has(key: string): Promise<boolean>;
  /** Delete one entry; deleting a missing entry is not an error. */
  delete(key: string): Promise<void>;
  /** Delete every entry whose key starts with `prefix` (e.g. all files of one job). */
  deletePrefix(prefix: string): Promise<number>;
  /** Delete every entry written more than `ttlMs` before `now`; returns how many were deleted. */
  sweep(ttlMs: number, now?: number): Promise<number>;
  list(prefix?: string): Promise<StoredEntry[]>;
  close(): Promise<void>;
}

/** Key segments: letters, digits, '-', '_' and '.', never '..' — keys can never escape the store. */
const SEGMENT = /^(?!\.\.?$)[A-Za-z0-9._-]{1,128}$/;

export function isValidKey(key: string): boolean {
  if (typeof key !== 'string' || key.length === 0 || key.length > 512) return false;
  return key.split('/').every((segment) => SEGMENT.test(segment));
}

/** The storage keys of one job, in one place so server, processor and sweeper agree. */
export function jobKeys(id: string) {
  const base = `jobs/${id}`;
  return {
    prefix: `${base}/`,
    input: `${base}/input`,
    /** Result image; the extension follows the output format. */
    output: (ext: string) => `${base}/result.${ext}`,
    composite: `${base}/composite.jpg`,
    /** The processor's outcome record: written last, so its presence means the job's files are complete. */
    outcome: `${base}/outcome.json`,
    /** The in-process queue's record of the job (state, options), so queued jobs survive a restart. */
    record: `${base}/job.json`,
  };
}
