/**
 * Job ids are the only key to a person's photo and result, so they are capabilities: 128 random bits
 * (crypto RNG), base64url, 22 characters. No ':' (BullMQ reserves it) and safe in paths and URLs.
 */
import { randomBytes } from 'node:crypto';

export const JOB_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export function newJobId(): string {
  return randomBytes(16).toString('base64url');
}

export function isJobId(value: unknown): value is string {
  return typeof value === 'string' && JOB_ID_PATTERN.test(value);
}
