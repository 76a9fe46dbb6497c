/**
 * Starts a throw-away redis-server on a free loopback port for the BullMQ tests, or says why it
 * cannot (Debian package `redis-server` not installed), so those tests skip with a clear message.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function findRedisServer(): string | undefined {
  for (const candidate of [process.env['REDIS_SERVER_BIN'], '/usr/bin/redis-server', '/usr/local/bin/redis-server']) {
    if (candidate && spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return undefined;
}

export const REDIS_SKIP_REASON = findRedisServer()
  ? false
  : 'redis-server is not installed (apt-get install -y redis-server); BullMQ tests skipped';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface RedisOptions {
  /** Turn on the append-only file with this fsync policy (persistence tests); default off. */
  appendfsync?: 'always' | 'everysec';
}

export interface RedisHandle {
  url: string;
  port: number;
  /** The running process (replaced by restart()). */
  process: ChildProcess;
  /** Stop the server with a signal (SIGTERM: clean, writes its files; SIGKILL: a crash), keep its data folder. */
  kill(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Start it again on the same port and data folder (after kill). */
  restart(): Promise<void>;
  /** Stop it and delete its data folder. */
  stop(): Promise<void>;
}

function spawnRedis(bin: string, port: number, dir: string, options: RedisOptions): Promise<ChildProcess> {
  const persistence = options.appendfsync ? ['--appendonly', 'yes', '--appendfsync', options.appendfsync] : ['--appendonly', 'no'];
  // BullMQ's production advice (noeviction); no RDB snapshots: only the AOF (when asked) persists.
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dir, '--maxmemory-policy', 'noeviction'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise<ChildProcess>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output.slice(-500)}`)), 10_000);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`));
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.off('exit', onExit);
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve(child);
      }
    });
    child.once('exit', onExit);
  });
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));

export async function startRedis(options: RedisOptions = {}): Promise<RedisHandle> {
  const bin = findRedisServer();
  if (!bin) throw new Error('redis-server not installed');
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'anime-me-redis-'));
  const handle: RedisHandle = {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: await spawnRedis(bin, port, dir, options),
    async kill(signal) {
      const child = handle.process;
      if (child.exitCode === null && child.signalCode === null) {
        const done = exited(child);
        child.kill(signal);
        await done;
      }
    },
    async restart() {
      handle.process = await spawnRedis(bin, port, dir, options);
    },
    async stop() {
      await handle.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}
