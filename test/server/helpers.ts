/** Starting a real service on a loopback port for tests, with the stand-in pipeline in its threads. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startService, type Service, type ServiceOptions } from '../../src/server/service.js';
import { sharp } from '../image/helpers.js';
import { waitFor } from '../queue/helpers.js';

export const STAND_IN = new URL('../queue/fixtures/stand-in-pipeline.ts', import.meta.url).href;

export interface TestService extends Service {
  dataDir: string;
  stop(): Promise<void>;
}

export async function startTestService(options: ServiceOptions = {}): Promise<TestService> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'anime-me-service-'));
  const service = await startService({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    concurrency: 1,
    pipelineModule: STAND_IN,
    pipelineOptions: { blockMs: 200 },
    shutdownGraceMs: 2000,
    env: {}, // the machine's environment must not change test behaviour
    ...options,
  });
  return {
    ...service,
    dataDir,
    async stop() {
      await service.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A small JPEG photo-like image (sharp-generated gradient-free block is enough for the stand-in). */
export async function smallPhoto(width = 120, height = 90, format: 'jpeg' | 'png' = 'jpeg'): Promise<Uint8Array> {
  const buffer = await sharp({ create: { width, height, channels: 3, background: { r: 180, g: 140, b: 90 } } })
    .toFormat(format)
    .toBuffer();
  return new Uint8Array(buffer);
}

export function form(bytes: Uint8Array, fields: Record<string, string> = {}, type = 'image/jpeg'): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  data.append('image', new Blob([bytes], { type }), 'photo.jpg');
  return data;
}

export async function submit(base: string, bytes: Uint8Array, fields: Record<string, string> = {}, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}/api/v1/jobs`, { method: 'POST', body: form(bytes, fields), headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

export async function getJob(base: string, id: string) {
  const response = await fetch(`${base}/api/v1/jobs/${id}`);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

export function untilState(base: string, id: string, state: string, timeoutMs = 30_000) {
  return waitFor(async () => {
    const { body } = await getJob(base, id);
    return body['state'] === state ? body : undefined;
  }, `job ${id} ${state}`, timeoutMs);
}

/** Read an SSE stream to its end (bounded), returning the events in order. */
export async function readEvents(url: string, timeoutMs = 30_000): Promise<Array<{ event: string; data: any }>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, { signal: controller.signal });
    if (!response.ok || !response.body) throw new Error(`SSE ${response.status}`);
    const text = await response.text();
    return text
      .split('\n\n')
      .map((block) => block.trim())
      .filter((block) => block.startsWith('event:'))
      .map((block) => {
        const event = /^event: (.*)$/m.exec(block)![1];
        const data = JSON.parse(/^data: (.*)$/m.exec(block)![1]);
        return { event, data };
      });
  } finally {
    clearTimeout(timer);
  }
}
