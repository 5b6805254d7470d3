/** Waiting in a loop that a signal ends (polling the registry, following a log). */

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(true), ms);
    const onAbort = () => done(false);
    signal?.addEventListener('abort', onAbort, { once: true });
    function done(value: boolean) {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(value);
    }
  });
}
