/**
 * Which failures are worth another attempt. Bad input, limits and cancellation fail the same way
 * every time, so they are final; only INTERNAL errors (a crashed worker thread, a storage hiccup)
 * are retried, and a TIMEOUT is final too because a retry would cost the same time again (G12).
 */
import { toAnimeMeError } from '../errors.js';
import type { JobError } from './types.js';

export function isRetryable(error: unknown): boolean {
  const e = toAnimeMeError(error);
  return e.code === 'INTERNAL' && e.details?.['retry'] !== false;
}

export function toJobError(error: unknown): JobError {
  const e = toAnimeMeError(error);
  return { code: e.code, message: e.message };
}
