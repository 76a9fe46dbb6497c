/**
 * The phone-first web page: a few static files read once at start-up and served with a strict
 * Content-Security-Policy (same-origin scripts and styles only; photos stay blob:/data: URLs).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.js';

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/icon.svg': { file: 'icon.svg', type: 'image/svg+xml' },
  '/manifest.webmanifest': { file: 'manifest.webmanifest', type: 'application/manifest+json' },
};

const CSP = [
  "default-src 'self'",
  "img-src 'self' blob: data:",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The assets sit next to this module in the sources (src/server/web). A plain `tsc` build does not
 * copy them into dist/, so a built server falls back to the package's src/server/web.
 */
export function webDir(): string {
  const candidates = [new URL('./web/', import.meta.url), new URL('../../src/server/web/', import.meta.url)];
  const found = candidates.find((url) => existsSync(new URL('index.html', url)));
  return fileURLToPath(found ?? candidates[0]);
}

export function registerWebRoutes(app: FastifyInstance, _ctx: AppContext): void {
  const dir = webDir();
  for (const [route, { file, type }] of Object.entries(FILES)) {
    let body: Buffer;
    try {
      body = readFileSync(`${dir}/${file}`);
    } catch {
      continue; // optional asset missing: its route answers 404
    }
    app.get(route, async (_request, reply) =>
      reply
        .header('content-type', type)
        .header('cache-control', route === '/' ? 'no-cache' : 'public, max-age=300')
        .header('content-security-policy', CSP)
        .header('permissions-policy', 'camera=(self), microphone=(), geolocation=()')
        .send(body),
    );
  }
}
