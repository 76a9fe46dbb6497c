/**
 * A one-line progress display on stderr: photo k/n, stage, bar. Silent when stderr is not a terminal
 * (CI logs and pipes get the final per-photo lines only), so stdout stays clean for `--json`.
 */
import type { ProgressEvent, StageName } from '../core/types.js';
import { STAGE_NAMES } from '../core/types.js';

export interface ProgressDisplay {
  start(label: string, index: number, total: number): void;
  update(event: ProgressEvent): void;
  done(line: string): void;
}

const BAR_WIDTH = 20;

export function createProgressDisplay(stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  const tty = Boolean(stream.isTTY);
  let label = '';
  let prefix = '';
  let lastDraw = 0;
  const stageWeight = (stage: StageName) => STAGE_NAMES.indexOf(stage);
  return {
    start(name, index, total) {
      label = name;
      prefix = `[${index + 1}/${total}]`;
    },
    update(event) {
      if (!tty) return;
      const now = Date.now();
      if (now - lastDraw < 50 && event.progress < 1) return;
      lastDraw = now;
      const overall = (stageWeight(event.stage) + event.progress) / STAGE_NAMES.length;
      const filled = Math.round(overall * BAR_WIDTH);
      const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
      stream.write(`\r\x1b[2K${prefix} ${label} ${bar} ${event.stage} ${Math.round(event.progress * 100)}%`);
    },
    done(line) {
      if (tty) stream.write('\r\x1b[2K');
      stream.write(`${prefix} ${line}\n`);
    },
  };
}
