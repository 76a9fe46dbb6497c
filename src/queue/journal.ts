/**
 * Durable job records for the in-process queue (reliability.md §5, "persist a job record before
 * answering 202"): each job's record is a small JSON file next to its upload, under
 * `jobs/<id>/job.json`, rewritten on every state change. After a restart or a crash the queue
 * reloads them: queued jobs wait again in their old order, interrupted ones run again, finished ones
 * stay readable until their TTL. Records never hold image bytes or client addresses (the client is a
 * hash), and they live and die with the job's other files (TTL sweep, DELETE).
 */
import { isValidKey, jobKeys, type BlobStorage } from '../storage/storage.js';
import { isJobId } from './job-id.js';
import { JOB_STATES, type JobRecord } from './types.js';

export interface JournalEntry {
  record: JobRecord;
  /** Hashed client key (see client-key.ts), for the per-client limit after a restart. */
  clientKey: string;
}

export interface JobJournal {
  /** Every record written and not deleted, oldest job first; unreadable files are skipped. */
  load(): Promise<JournalEntry[]>;
  save(entry: JournalEntry): Promise<void>;
  delete(id: string): Promise<void>;
}

const VERSION = 1;

function parse(bytes: Uint8Array): JournalEntry | undefined {
  try {
    const value = JSON.parse(Buffer.from(bytes).toString('utf8')) as { v?: number; record?: JobRecord; client?: string };
    const record = value.record;
    if (value.v !== VERSION || !record || !isJobId(record.id) || !(JOB_STATES as readonly string[]).includes(record.state)) return undefined;
    if (typeof record.createdAt !== 'number' || typeof record.attempts !== 'number' || typeof record.options !== 'object' || record.options === null) return undefined;
    return { record, clientKey: typeof value.client === 'string' ? value.client : '' };
  } catch {
    return undefined; // a torn or foreign file: not a job we can resume
  }
}

export function createStorageJournal(storage: BlobStorage): JobJournal {
  return {
    async load() {
      const entries: JournalEntry[] = [];
      for (const stored of await storage.list('jobs/')) {
        const id = stored.key.split('/')[1];
        if (!isJobId(id) || stored.key !== jobKeys(id).record || !isValidKey(stored.key)) continue;
        const bytes = await storage.get(stored.key);
        const entry = bytes && parse(bytes);
        if (entry && entry.record.id === id) entries.push(entry);
      }
      return entries.sort((a, b) => a.record.createdAt - b.record.createdAt);
    },
    async save({ record, clientKey }) {
      // Transient fields (place in line, live progress) are recomputed after a restart.
      const { position: _position, progress: _progress, ...kept } = record;
      await storage.put(jobKeys(record.id).record, new TextEncoder().encode(JSON.stringify({ v: VERSION, record: kept, client: clientKey })));
    },
    async delete(id) {
      await storage.delete(jobKeys(id).record);
    },
  };
}
