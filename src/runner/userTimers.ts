// The timer functions a user's bundle sees. They are the real ones, but every handle is kept, so
// the runner can cancel whatever a file left scheduled before the next file runs in the same warm
// worker (a fresh worker is simply terminated, which ends its timers too).
type Handle = ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate>;

const pending = new Set<{ handle: Handle; clear: (h: never) => void }>();

export function userTimers(): { setTimeout: typeof setTimeout; setInterval: typeof setInterval; setImmediate: typeof setImmediate } {
  const keep = <H extends Handle>(handle: H, clear: (h: H) => void): H => {
    pending.add({ handle, clear: clear as (h: never) => void });
    return handle;
  };
  return {
    setTimeout: ((...args: Parameters<typeof setTimeout>) => keep(setTimeout(...args), clearTimeout)) as typeof setTimeout,
    setInterval: ((...args: Parameters<typeof setInterval>) => keep(setInterval(...args), clearInterval)) as typeof setInterval,
    setImmediate: ((...args: Parameters<typeof setImmediate>) => keep(setImmediate(...args), clearImmediate)) as typeof setImmediate,
  };
}

export function clearUserTimers(): void {
  for (const t of pending) t.clear(t.handle as never);
  pending.clear();
}
