/** At most `limit` of the given async tasks run at once; the rest wait their turn in order. */
export interface Limiter {
  <T>(work: () => Promise<T>): Promise<T>;
  /** Start every waiting task now, beyond the limit: on shutdown, so each can see its cancellation. */
  releaseWaiting(): void;
}

export function createLimiter(limit: number): Limiter {
  let active = 0;
  const waiting: Array<() => void> = [];
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await work();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
  return Object.assign(run, { releaseWaiting: () => waiting.splice(0).forEach((release) => release()) });
}
