/**
 * Load bench for the service (reliability G9/G11): starts `anime-me serve` on a loopback port in its
 * own process, drives it past capacity with many "clients" for a bounded time, and reports
 *   - accepted jobs per minute and completed jobs per minute at saturation,
 *   - the share of 429 answers beyond capacity (and that there were no 5xx),
 *   - p50/p99 latency of submissions (202 and 429), of GET /api/v1/jobs/:id and of /healthz while
 *     the pipeline threads are busy,
 *   - the server's memory over the run: resident size (all threads) and the main thread's V8 heap,
 *     sampled every 10 s, with a plateau verdict (mean of the last third of the samples against the
 *     middle third: a leak keeps climbing, allocator and model warm-up level off).
 * Bounded in time (--duration, then a bounded drain) and in concurrency (--clients). Loopback only.
 *
 *   npm run bench:load                                  real pipeline, 60 s, 8 clients
 *   npm run bench:load -- --duration 300                long enough to tell a plateau from a leak
 *   npm run bench:load -- --pipeline stand-in --duration 30 --clients 16
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    clients: { type: 'string', default: '8' },
    pipeline: { type: 'string', default: 'real' },
    concurrency: { type: 'string', default: '1' },
    capacity: { type: 'string', default: '10' },
    photo: { type: 'string', default: 'test/fixtures/photos/deb_mpl_grace_hopper.jpg' },
    size: { type: 'string', default: '1024' },
    json: { type: 'boolean', default: false },
  },
});

const durationS = Math.min(1800, Math.max(5, Number(values.duration)));
/** Memory sample interval: fine enough for a 1–5 min run, coarse enough not to load the server. */
const SAMPLE_EVERY_MS = 10_000;
/**
 * Growth of the last third over the middle third (mean RSS) still counted as flat: glibc arenas and
 * V8's heap sizing move a few per cent on their own between samples.
 */
const FLAT_GROWTH = 0.05;
const clients = Math.min(64, Math.max(1, Number(values.clients)));
const DRAIN_LIMIT_S = 180;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function rssOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return kb ? Number(kb[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 10) / 10;
  return { count: sorted.length, p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? NaN) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const root = path.resolve(new URL('..', import.meta.url).pathname);
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'anime-me-load-'));
  const photo = new Uint8Array(await readFile(path.resolve(root, values.photo!)));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    ANIME_ME_DATA_DIR: dataDir,
    ANIME_ME_CONCURRENCY: values.concurrency,
    ANIME_ME_QUEUE_CAPACITY: values.capacity,
    ANIME_ME_MAX_PER_CLIENT: '2',
    ANIME_ME_RATE_LIMIT: '100000', // measure the queue's admission control, not the rate limiter
    ANIME_ME_TRUST_PROXY: '1', // each bench client is its own address
    LOG_LEVEL: 'warn',
  };
  if (values.pipeline === 'stand-in') env['ANIME_ME_TEST_PIPELINE_MODULE'] = new URL('../test/queue/fixtures/stand-in-pipeline.ts', import.meta.url).href;
  const server: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let serverLog = '';
  server.stderr!.setEncoding('utf8');
  server.stderr!.on('data', (c: string) => (serverLog = (serverLog + c).slice(-4000)));
  const base = `http://127.0.0.1:${port}`;
  const stopServer = async () => {
    if (server.exitCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  process.once('SIGINT', () => void stopServer().then(() => process.exit(130)));

  try {
    // Up?
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/healthz`)).ok) break;
      } catch {
        // not yet
      }
      if (i > 300 || server.exitCode !== null) throw new Error(`server did not start:\n${serverLog}`);
      await sleep(100);
    }
    // Warm the pipeline threads (model loading) so the window measures steady state.
    process.stderr.write(`bench:load: warming up (${values.pipeline} pipeline)…\n`);
    const warm = await submit(base, photo, '10.9.0.1', values.size!);
    if (warm.status === 202) await waitDone(base, warm.id!, DRAIN_LIMIT_S);

    const submitted = { accepted: 0, rejected: new Map<string, number>(), serverErrors: 0, other: 0 };
    const latency = { accepted: [] as number[], rejected: [] as number[], getJob: [] as number[], healthz: [] as number[] };
    const accepted: string[] = [];
    const rss: number[] = [];
    const samples: MemorySample[] = [];
    const startRss = rssOf(server.pid!);
    const started = performance.now();
    const end = started + durationS * 1000;
    process.stderr.write(`bench:load: ${clients} clients for ${durationS} s against ${base} (capacity ${values.capacity}, ${values.concurrency} thread(s))…\n`);

    const sampler = setInterval(() => {
      const value = rssOf(server.pid!);
      if (value) rss.push(value);
    }, 1000);
    const memorySampler = setInterval(() => {
      const t = Math.round((performance.now() - started) / 1000);
      void sampleMemory(base, server.pid!).then((m) => m && samples.push({ t, ...m }));
    }, SAMPLE_EVERY_MS);

    // Submitters: each a distinct client address, submitting back to back; a 429 backs off briefly
    // (as a polite client would, bounded by the window) so the run measures admission, not a spin.
    const submitters = Array.from({ length: clients }, async (_, i) => {
      const address = `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;
      while (performance.now() < end) {
        const t0 = performance.now();
        const answer = await submit(base, photo, address, values.size!).catch(() => ({ status: 0, id: undefined, code: 'NETWORK', retryAfter: 0 }));
        const ms = performance.now() - t0;
        if (answer.status === 202) {
          submitted.accepted++;
          latency.accepted.push(ms);
          accepted.push(answer.id!);
        } else if (answer.status === 429) {
          submitted.rejected.set(answer.code, (submitted.rejected.get(answer.code) ?? 0) + 1);
          latency.rejected.push(ms);
          await sleep(Math.min(1000, Math.max(100, answer.retryAfter * 100)));
        } else if (answer.status >= 500) {
          submitted.serverErrors++;
        } else {
          submitted.other++;
        }
      }
    });
    // Readers: job status and health checks while the threads are busy.
    const readers = Array.from({ length: 2 }, async () => {
      while (performance.now() < end) {
        const id = accepted[Math.floor(Math.random() * accepted.length)];
        if (id) {
          const t0 = performance.now();
          const r = await fetch(`${base}/api/v1/jobs/${id}`).catch(() => undefined);
          await r?.arrayBuffer();
          latency.getJob.push(performance.now() - t0);
          if (r && r.status >= 500) submitted.serverErrors++;
        }
        const t1 = performance.now();
        const h = await fetch(`${base}/healthz`).catch(() => undefined);
        await h?.arrayBuffer();
        latency.healthz.push(performance.now() - t1);
        await sleep(50);
      }
    });
    await Promise.all([...submitters, ...readers]);
    const windowS = (performance.now() - started) / 1000;
    clearInterval(sampler);
    clearInterval(memorySampler);

    // Jobs finished inside the window = throughput at saturation.
    let completedInWindow = 0;
    let failed = 0;
    const windowEnd = Date.now();
    for (const id of accepted) {
      const job = (await (await fetch(`${base}/api/v1/jobs/${id}`)).json()) as Record<string, any>;
      if (job['state'] === 'done' && Date.parse(job['finishedAt']) <= windowEnd) completedInWindow++;
      if (job['state'] === 'failed') failed++;
    }
    // Drain (bounded) so the server ends idle; cancel what is left.
    const drainUntil = Date.now() + DRAIN_LIMIT_S * 1000;
    for (const id of accepted) {
      if (Date.now() > drainUntil) await fetch(`${base}/api/v1/jobs/${id}`, { method: 'DELETE' }).catch(() => undefined);
      else await waitDone(base, id, Math.max(1, (drainUntil - Date.now()) / 1000)).catch(() => undefined);
    }
    const rejectedTotal = [...submitted.rejected.values()].reduce((a, b) => a + b, 0);
    const attempts = submitted.accepted + rejectedTotal + submitted.serverErrors + submitted.other;
    const report = {
      machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
      settings: { durationS, clients, pipeline: values.pipeline, threads: Number(values.concurrency), capacity: Number(values.capacity), size: Number(values.size) },
      windowS: Math.round(windowS),
      submissions: attempts,
      acceptedPerMinute: Math.round((submitted.accepted / windowS) * 60 * 10) / 10,
      completedPerMinute: Math.round((completedInWindow / windowS) * 60 * 10) / 10,
      rejectedShare: attempts ? Math.round((rejectedTotal / attempts) * 1000) / 1000 : 0,
      rejectedByCode: Object.fromEntries(submitted.rejected),
      serverErrors: submitted.serverErrors,
      failedJobs: failed,
      latencyMs: {
        submitAccepted: summary(latency.accepted),
        submitRejected: summary(latency.rejected),
        getJob: summary(latency.getJob),
        healthz: summary(latency.healthz),
      },
      rssMiB: {
        start: startRss ? Math.round(startRss / 2 ** 20) : null,
        min: rss.length ? Math.round(Math.min(...rss) / 2 ** 20) : null,
        max: rss.length ? Math.round(Math.max(...rss) / 2 ** 20) : null,
        end: rss.length ? Math.round(rss.at(-1)! / 2 ** 20) : null,
      },
      memory: { samples, verdict: plateauVerdict(samples) },
    };
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else printReport(report);
  } finally {
    await stopServer();
    await rm(dataDir, { recursive: true, force: true });
  }
}

interface MemorySample {
  /** Seconds since the measured window started. */
  t: number;
  rssMiB: number;
  /** The server's main-thread V8 heap in use (from /metrics); pipeline threads have their own heaps, counted in RSS only. */
  heapMiB: number | null;
  /** Jobs the server holds records of (queued + running + done + failed), to relate memory to retained jobs. */
  jobs: number | null;
  /** The pipeline threads' own V8 heap and external/array-buffer memory (WebAssembly included), as they last reported. */
  threadHeapMiB: number | null;
  threadExternalMiB: number | null;
}

async function sampleMemory(base: string, pid: number): Promise<Omit<MemorySample, 't'> | undefined> {
  const rss = rssOf(pid);
  if (!rss) return undefined;
  let heap: number | null = null;
  let jobs: number | null = null;
  let threadHeapMiB: number | null = null;
  let threadExternalMiB: number | null = null;
  try {
    const health = (await (await fetch(`${base}/healthz`)).json()) as { workers?: { memoryMiB?: { heapUsed: number; external: number } } };
    threadHeapMiB = health.workers?.memoryMiB?.heapUsed ?? null;
    threadExternalMiB = health.workers?.memoryMiB?.external ?? null;
  } catch {
    // not reported
  }
  try {
    const text = await (await fetch(`${base}/metrics`)).text();
    const heapMatch = /^nodejs_heap_used_bytes (\d+)/m.exec(text);
    heap = heapMatch ? Math.round(Number(heapMatch[1]) / 2 ** 20) : null;
    jobs = [...text.matchAll(/^animeme_jobs\{state="\w+"\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  } catch {
    // the server is busy or gone: RSS alone
  }
  return { rssMiB: Math.round(rss / 2 ** 20), heapMiB: heap, jobs, threadHeapMiB, threadExternalMiB };
}

/**
 * Leak or plateau: compare the mean RSS (and heap) of the last third of the samples with the middle
 * third. The first third is left out on purpose: it holds model loading and allocator warm-up.
 */
function plateauVerdict(samples: ReadonlyArray<Omit<MemorySample, 't' | 'jobs'>>) {
  if (samples.length < 6) return { verdict: 'too short (need ≥ 6 samples, i.e. ≥ 60 s)', rssGrowth: null, heapGrowth: null, threadHeapGrowth: null, threadExternalGrowth: null, middleRssMiB: null, lastRssMiB: null };
  const third = Math.floor(samples.length / 3);
  const middle = samples.slice(third, 2 * third);
  const last = samples.slice(samples.length - third);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rssMiddle = mean(middle.map((s) => s.rssMiB));
  const rssLast = mean(last.map((s) => s.rssMiB));
  const growthOf = (key: 'heapMiB' | 'threadHeapMiB' | 'threadExternalMiB') => {
    const values = (xs: typeof samples) => xs.map((s) => s[key]).filter((h): h is number => h !== null);
    const a = values(middle);
    const b = values(last);
    return a.length && b.length && mean(a) > 0 ? Math.round(((mean(b) - mean(a)) / mean(a)) * 1000) / 1000 : null;
  };
  const rssGrowth = (rssLast - rssMiddle) / rssMiddle;
  const flat = rssGrowth <= FLAT_GROWTH;
  return {
    verdict: flat ? `plateau: last third within ${FLAT_GROWTH * 100} % of the middle third` : 'still growing: the last third is above the middle third (run longer; a leak keeps climbing)',
    rssGrowth: Math.round(rssGrowth * 1000) / 1000,
    heapGrowth: growthOf('heapMiB'),
    threadHeapGrowth: growthOf('threadHeapMiB'),
    threadExternalGrowth: growthOf('threadExternalMiB'),
    middleRssMiB: Math.round(rssMiddle),
    lastRssMiB: Math.round(rssLast),
  };
}

let submissions = 0;

/**
 * The photo with a JPEG comment segment (FF FE) after SOI naming this submission: every upload is a
 * different file, as with real users, so the pipeline's memo of recent analyses never shortcuts one.
 */
function uniqueJpeg(photo: Uint8Array): Uint8Array {
  if (photo[0] !== 0xff || photo[1] !== 0xd8) return photo;
  const text = new TextEncoder().encode(`bench:load submission ${++submissions}`);
  const segment = new Uint8Array(4 + text.length);
  segment.set([0xff, 0xfe, (text.length + 2) >> 8, (text.length + 2) & 0xff]);
  segment.set(text, 4);
  const out = new Uint8Array(photo.length + segment.length);
  out.set(photo.subarray(0, 2));
  out.set(segment, 2);
  out.set(photo.subarray(2), 2 + segment.length);
  return out;
}

async function submit(base: string, photo: Uint8Array, address: string, size: string) {
  const form = new FormData();
  form.append('size', size);
  form.append('composite', 'true');
  form.append('image', new Blob([uniqueJpeg(photo)], { type: 'image/jpeg' }), 'photo.jpg');
  const response = await fetch(`${base}/api/v1/jobs`, { method: 'POST', body: form, headers: { 'x-forwarded-for': address } });
  const body = (await response.json().catch(() => ({}))) as Record<string, any>;
  return { status: response.status, id: body['id'] as string | undefined, code: String(body['error']?.code ?? response.status), retryAfter: Number(response.headers.get('retry-after') ?? 0) };
}

async function waitDone(base: string, id: string, limitS: number) {
  const until = Date.now() + limitS * 1000;
  while (Date.now() < until) {
    const job = (await (await fetch(`${base}/api/v1/jobs/${id}`)).json()) as Record<string, any>;
    if (job['state'] === 'done' || job['state'] === 'failed' || job['error']?.code === 'NOT_FOUND') return job;
    await sleep(250);
  }
  throw new Error(`job ${id} did not finish within ${limitS} s`);
}

const pct = (v: number | null) => (v === null ? '?' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)} %`);

function printReport(r: any) {
  const l = r.latencyMs;
  const row = (name: string, s: any) => `  ${name.padEnd(22)} n=${String(s.count).padStart(5)}  p50 ${String(s.p50).padStart(7)} ms  p99 ${String(s.p99).padStart(7)} ms  max ${String(s.max).padStart(7)} ms`;
  process.stdout.write(
    [
      `anime-me load bench — ${r.machine.cpus}× ${r.machine.cpu}, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}`,
      `settings: ${JSON.stringify(r.settings)}; window ${r.windowS} s`,
      `accepted jobs/min ${r.acceptedPerMinute}   completed jobs/min ${r.completedPerMinute}   (${r.submissions} submissions)`,
      `429 share ${(r.rejectedShare * 100).toFixed(1)} %  ${JSON.stringify(r.rejectedByCode)}   5xx ${r.serverErrors}   failed jobs ${r.failedJobs}`,
      'latency:',
      row('POST 202', l.submitAccepted),
      row('POST 429', l.submitRejected),
      row('GET /api/v1/jobs/:id', l.getJob),
      row('GET /healthz', l.healthz),
      `server RSS MiB: start ${r.rssMiB.start}, min ${r.rssMiB.min}, max ${r.rssMiB.max}, end ${r.rssMiB.end}`,
      'memory every 10 s (t s: RSS MiB | main-thread heap MiB | pipeline threads heap / external MiB | job records):',
      ...r.memory.samples.map(
        (m: MemorySample) =>
          `  ${String(m.t).padStart(5)}: ${String(m.rssMiB).padStart(5)} | ${String(m.heapMiB ?? '?').padStart(4)} | ${String(m.threadHeapMiB ?? '?').padStart(4)} / ${String(m.threadExternalMiB ?? '?').padStart(4)} | ${m.jobs ?? '?'}`,
      ),
      `verdict: ${r.memory.verdict.verdict} (RSS middle ${r.memory.verdict.middleRssMiB} → last ${r.memory.verdict.lastRssMiB} MiB, ${pct(r.memory.verdict.rssGrowth)}; main heap ${pct(r.memory.verdict.heapGrowth)}; thread heap ${pct(r.memory.verdict.threadHeapGrowth)}, thread external ${pct(r.memory.verdict.threadExternalGrowth)})`,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:load: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
