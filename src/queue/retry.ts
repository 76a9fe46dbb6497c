/**
 * Which failures are worth another attempt. Bad input, limits and cancellation fail the same way
 * every time, so they are final; only INTERNAL errors (a crashed worker thread, a storage hiccup)
 * are retried, and a TIMEOUT is final too because a retry would cost the same time again (G12).
 */
import { AnimeMeError, toAnimeMeError } from '../errors.js';
import type { JobError } from './types.js';

export function isRetryable(error: unknown): boolean {
  const e = toAnimeMeError(error);
  return e.code === 'INTERNAL' && e.details?.['retry'] !== false;
}

export function toJobError(error: unknown): JobError {
  const e = toAnimeMeError(error);
  return { code: e.code, message: e.message };
}

/**
 * The abort reason used when a process stops a running job only because it is shutting down: the
 * job goes back to the line, so its upload must be kept (unlike a user's cancel, after which it is
 * deleted at once).
 */
export function shutdownAbort(message: string): AnimeMeError {
  return new AnimeMeError('CANCELLED', message, { details: { requeue: true } });
}

export function isShutdownAbort(signal: AbortSignal): boolean {
  return signal.aborted && toAnimeMeError(signal.reason).details?.['requeue'] === true;
}
