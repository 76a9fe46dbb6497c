/**
 * Who listens to which job: the subscribe/emit part every queue backend shares. A listener names one
 * job id, or '*' for every job (metrics); a listener that throws never breaks the queue.
 */
import type { JobEvent, JobListener } from './types.js';

export interface JobListeners {
  subscribe(id: string, listener: JobListener): () => void;
  emit(event: JobEvent): void;
  /** Whether anyone listens to this job itself ('*' listeners do not count). */
  watched(id: string): boolean;
}

export function createJobListeners(): JobListeners {
  const listeners = new Map<string, Set<JobListener>>();
  return {
    subscribe(id, listener) {
      let set = listeners.get(id);
      if (!set) listeners.set(id, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(id);
      };
    },
    emit(event) {
      for (const key of [event.id, '*']) {
        for (const listener of listeners.get(key) ?? []) {
          try {
            listener(event);
          } catch {
            // a listener's bug must not break the queue
          }
        }
      }
    },
    watched: (id) => (listeners.get(id)?.size ?? 0) > 0,
  };
}
