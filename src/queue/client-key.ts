/**
 * Queues keep a client only as a short hash of its key (an IP address): enough to count one
 * client's jobs for the per-client limit, not enough to name anyone in Redis or on disk.
 */
import { createHash } from 'node:crypto';

export function hashClientKey(clientKey: string): string {
  return createHash('sha256').update(clientKey).digest('base64url').slice(0, 16);
}
