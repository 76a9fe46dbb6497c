/**
 * Download one model-pack file with resume and checksum. Hugging Face–style file URLs
 * (`…/<owner>/<repo>/resolve/<revision>/<path>`) land at `<dir>/<repo>/<path>`, so pulling each
 * file of a pack rebuilds its folder. A partial download is kept as `<file>.part` and resumed with an
 * HTTP Range request; the SHA-256 is checked against `--sha256` or the server's LFS etag when given.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { AnimeMeError } from '../errors.js';

export interface PullOptions {
  /** Folder that receives `<repo>/<path>`. */
  dir: string;
  /** Expected SHA-256 (hex). When absent, the server's `x-linked-etag`/`etag` is used if it looks like one. */
  sha256?: string;
  /** Attempts per file; each one resumes where the last stopped. */
  attempts?: number;
  onProgress?: (received: number, total: number | undefined) => void;
  fetch?: typeof fetch;
}

export interface PullResult {
  path: string;
  bytes: number;
  sha256: string;
  resumedFrom: number;
}

/** `https://host/org/repo/resolve/main/unet/model.onnx` → `repo/unet/model.onnx`; other URLs → their last path segment. */
export function targetPathFor(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AnimeMeError('INVALID_ARGUMENT', `Expected an http(s) URL for url but received "${url}"`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new AnimeMeError('INVALID_ARGUMENT', `Expected an http(s) URL for url but received "${url}"`);
  }
  const parts = parsed.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.some((p) => p === '..' || p === '.')) throw new AnimeMeError('INVALID_ARGUMENT', `Refusing a URL with ".." in its path: ${url}`);
  const resolveAt = parts.indexOf('resolve');
  if (resolveAt >= 2 && parts.length > resolveAt + 2) return path.join(parts[resolveAt - 1], ...parts.slice(resolveAt + 2));
  const last = parts.at(-1);
  if (!last) throw new AnimeMeError('INVALID_ARGUMENT', `The URL names no file: ${url}`);
  return last;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

function etagSha(headers: Headers): string | undefined {
  const raw = (headers.get('x-linked-etag') ?? headers.get('etag') ?? '').replace(/^W\//, '').replace(/"/g, '').toLowerCase();
  return SHA256_HEX.test(raw) ? raw : undefined;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function pullFile(url: string, options: PullOptions): Promise<PullResult> {
  const relative = targetPathFor(url);
  const target = path.join(options.dir, relative);
  const part = `${target}.part`;
  const doFetch = options.fetch ?? fetch;
  const attempts = options.attempts ?? 5;
  const expected = options.sha256?.toLowerCase();
  if (expected !== undefined && !SHA256_HEX.test(expected)) {
    throw new AnimeMeError('INVALID_ARGUMENT', `Expected 64 hex characters for sha256 but received "${options.sha256}"`);
  }
  await mkdir(path.dirname(target), { recursive: true });
  const resumedFrom = existsSync(part) ? (await stat(part)).size : 0;
  let serverSha: string | undefined;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const have = existsSync(part) ? (await stat(part)).size : 0;
    let response: Response;
    try {
      response = await doFetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, redirect: 'follow' });
    } catch (error) {
      lastError = error;
      continue;
    }
    if (response.status === 416 && have > 0) break; // already complete
    if (response.status === 404) throw new AnimeMeError('MODEL_MISSING', `No file at ${url} (HTTP 404); check the repository, revision and path.`);
    if (response.status !== 200 && response.status !== 206) {
      lastError = new Error(`HTTP ${response.status}`);
      if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
        throw new AnimeMeError('INVALID_ARGUMENT', `The server refused ${url} with HTTP ${response.status}.`);
      }
      continue;
    }
    serverSha ??= etagSha(response.headers);
    // 200 means the server ignored Range: start over rather than append a second copy.
    const append = response.status === 206 && have > 0;
    const lengthHeader = response.headers.get('content-length');
    const total = lengthHeader === null ? undefined : Number(lengthHeader) + (append ? have : 0);
    const out = createWriteStream(part, { flags: append ? 'a' : 'w' });
    let received = append ? have : 0;
    try {
      if (!response.body) throw new Error('empty response body');
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        received += chunk.length;
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        options.onProgress?.(received, total);
      }
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
      if (total !== undefined && received < total) throw new Error(`connection closed after ${received} of ${total} bytes`);
      lastError = undefined;
      break;
    } catch (error) {
      lastError = error;
      await new Promise<void>((resolve) => out.end(() => resolve()));
    }
  }
  if (lastError !== undefined) {
    throw new AnimeMeError('INTERNAL', `Could not download ${url} after ${attempts} attempts (${(lastError as Error).message ?? lastError}); run the same command again to resume.`);
  }
  const digest = await sha256Of(part);
  const want = expected ?? serverSha;
  if (want !== undefined && digest !== want) {
    await rm(part, { force: true });
    throw new AnimeMeError('MODEL_INVALID', `Checksum mismatch for ${relative}: expected sha256 ${want}, got ${digest}; the partial file was removed, run the command again.`);
  }
  await rename(part, target);
  return { path: target, bytes: (await stat(target)).size, sha256: digest, resumedFrom };
}
