/**
 * Signed, expiring download links for results (reliability.md G18, after imgproxy's
 * security/signature.go): `/api/v1/jobs/<id>/result?exp=<unix seconds>&sig=<base64url HMAC-SHA256>`.
 * The MAC covers the path and the expiry, so a link cannot be moved to another job, another file of
 * the same job, or a later expiry. The job id alone (which the page keeps in its history) no longer
 * opens the picture: a leaked id from a log or a history entry is not enough once the link expired.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureCheck = 'ok' | 'missing' | 'invalid' | 'expired';

export interface UrlSigner {
  /** `path?exp=…&sig=…`, valid until `expiresAtMs` (rounded down to a whole second: never past the result). */
  sign(path: string, expiresAtMs: number): string;
  /** Checks a request's path and its `exp`/`sig` query values; constant-time in the signature. */
  verify(path: string, exp: unknown, sig: unknown, nowMs?: number): SignatureCheck;
}

export interface UrlSignerOptions {
  /** HMAC key (at least 16 bytes of text). */
  secret: string;
  now?: () => number;
}

/** exp is a decimal unix time in seconds; more than 12 digits is not a time this service issued. */
const EXP = /^\d{1,12}$/;
/** base64url of a 32-byte SHA-256 MAC, unpadded. */
const SIG = /^[A-Za-z0-9_-]{43}$/;

export function createUrlSigner(options: UrlSignerOptions): UrlSigner {
  const key = Buffer.from(options.secret, 'utf8');
  const now = options.now ?? Date.now;
  const mac = (path: string, exp: string) => createHmac('sha256', key).update(`${path}\n${exp}`).digest();

  return {
    sign(path, expiresAtMs) {
      const exp = String(Math.floor(expiresAtMs / 1000));
      return `${path}?exp=${exp}&sig=${mac(path, exp).toString('base64url')}`;
    },
    verify(path, exp, sig, nowMs = now()) {
      if (exp === undefined && sig === undefined) return 'missing';
      if (typeof exp !== 'string' || typeof sig !== 'string' || !EXP.test(exp) || !SIG.test(sig)) return 'invalid';
      // Compared as text, so only the one canonical encoding is accepted (base64url's last character
      // has spare bits); SIG fixes both at 43 bytes, so timingSafeEqual never throws.
      const given = Buffer.from(sig, 'latin1');
      const expected = Buffer.from(mac(path, exp).toString('base64url'), 'latin1');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
      // The expiry is checked only after the MAC, so a forged exp reads as invalid, not as expired.
      return Number(exp) * 1000 <= nowMs ? 'expired' : 'ok';
    },
  };
}
