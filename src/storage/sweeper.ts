/**
 * Periodic TTL sweep of a BlobStorage: the privacy backstop. Whatever else happens (a crashed worker,
 * a job record pruned from Redis, a server restart), no photo or result outlives the TTL by more
 * than one sweep interval.
 */
import type { BlobStorage } from './storage.js';

export interface SweeperOptions {
  ttlMs: number;
  /** Default: a quarter of the TTL, at most a minute, at least a second. */
  intervalMs?: number;
  onError?: (error: unknown) => void;
  onSwept?: (deleted: number) => void;
}

export interface Sweeper {
  /** Run one sweep now (also what the timer does). */
  sweepNow(now?: number): Promise<number>;
  stop(): void;
}

export function startSweeper(storage: BlobStorage, options: SweeperOptions): Sweeper {
  const intervalMs = options.intervalMs ?? Math.max(1000, Math.min(60_000, Math.floor(options.ttlMs / 4)));
  let running: Promise<number> | undefined;
  const sweepNow = (now?: number) =>
    (running ??= storage
      .sweep(options.ttlMs, now)
      .then((deleted) => {
        if (deleted > 0) options.onSwept?.(deleted);
        return deleted;
      })
      .catch((error: unknown) => {
        options.onError?.(error);
        return 0;
      })
      .finally(() => {
        running = undefined;
      }));
  const timer = setInterval(() => void sweepNow(), intervalMs);
  timer.unref(); // a sweeper never keeps a process alive
  return {
    sweepNow,
    stop: () => clearInterval(timer),
  };
}
