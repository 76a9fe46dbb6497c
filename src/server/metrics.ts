/**
 * Prometheus text exposition, hand-written (a handful of series does not need a client library):
 * jobs by state and queue depth from the queue, submissions/rejections and job durations seen by this
 * process, HTTP answers by status class, and process memory.
 */
import type { QueueStats } from '../queue/types.js';

const DURATION_BUCKETS_S = [1, 2, 5, 10, 20, 30, 60, 120, 300];

export interface ServiceMetrics {
  submitted(): void;
  rejected(reason: string): void;
  finished(state: 'done' | 'failed', seconds?: number, code?: string): void;
  answered(status: number): void;
  render(stats: QueueStats | undefined, extra?: Record<string, number>): string;
}

export function createMetrics(): ServiceMetrics {
  let submitted = 0;
  const rejected = new Map<string, number>();
  const failedByCode = new Map<string, number>();
  let done = 0;
  const buckets = DURATION_BUCKETS_S.map(() => 0);
  let durationSum = 0;
  let durationCount = 0;
  const answers = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

  return {
    submitted: () => void submitted++,
    rejected: (reason) => bump(rejected, reason),
    finished(state, seconds, code) {
      if (state === 'failed') {
        bump(failedByCode, code ?? 'INTERNAL');
        return;
      }
      done++;
      if (seconds === undefined) return;
      durationSum += seconds;
      durationCount++;
      DURATION_BUCKETS_S.forEach((le, i) => {
        if (seconds <= le) buckets[i]++;
      });
    },
    answered: (status) => bump(answers, `${Math.floor(status / 100)}xx`),
    render(stats, extra = {}) {
      const lines: string[] = [];
      const metric = (name: string, type: string, help: string, samples: Array<[string, number]>) => {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
        for (const [labels, value] of samples) lines.push(`${name}${labels} ${Number.isFinite(value) ? value : 0}`);
      };
      if (stats) {
        metric('animeme_jobs', 'gauge', 'Jobs known to the queue, by state.', [
          ['{state="queued"}', stats.queued],
          ['{state="running"}', stats.running],
          ['{state="done"}', stats.done],
          ['{state="failed"}', stats.failed],
        ]);
        metric('animeme_queue_depth', 'gauge', 'Jobs waiting to start.', [['', stats.queued]]);
        metric('animeme_queue_capacity', 'gauge', 'Most jobs allowed to wait before submissions get 429.', [['', stats.capacity]]);
        metric('animeme_concurrency', 'gauge', 'Jobs that can run at once.', [['', stats.concurrency]]);
      }
      metric('animeme_jobs_submitted_total', 'counter', 'Jobs accepted by this server.', [['', submitted]]);
      metric(
        'animeme_jobs_rejected_total',
        'counter',
        'Submissions refused by this server, by reason.',
        [...rejected].map(([reason, n]) => [`{reason="${reason}"}`, n]),
      );
      metric('animeme_jobs_completed_total', 'counter', 'Jobs this server saw finish successfully.', [['', done]]);
      metric(
        'animeme_jobs_failed_total',
        'counter',
        'Jobs this server saw fail, by error code.',
        [...failedByCode].map(([code, n]) => [`{code="${code}"}`, n]),
      );
      lines.push('# HELP animeme_job_duration_seconds Run time of successful jobs (excluding waiting).', '# TYPE animeme_job_duration_seconds histogram');
      DURATION_BUCKETS_S.forEach((le, i) => lines.push(`animeme_job_duration_seconds_bucket{le="${le}"} ${buckets[i]}`));
      lines.push(`animeme_job_duration_seconds_bucket{le="+Inf"} ${durationCount}`);
      lines.push(`animeme_job_duration_seconds_sum ${Math.round(durationSum * 1000) / 1000}`);
      lines.push(`animeme_job_duration_seconds_count ${durationCount}`);
      metric(
        'animeme_http_responses_total',
        'counter',
        'HTTP answers by status class.',
        [...answers].map(([cls, n]) => [`{class="${cls}"}`, n]),
      );
      const memory = process.memoryUsage();
      metric('process_resident_memory_bytes', 'gauge', 'Resident set size.', [['', memory.rss]]);
      metric('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use.', [['', memory.heapUsed]]);
      for (const [name, value] of Object.entries(extra)) metric(name, 'gauge', name.replace(/_/g, ' '), [['', value]]);
      return `${lines.join('\n')}\n`;
    },
  };
}
