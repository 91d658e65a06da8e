// Bounded waits for tests: every wait names what it waited for and gives up after a deadline.

/** Rejects with a message naming `what` if `promise` does not settle within `ms`. */
export function within<T>(promise: Promise<T>, what: string, ms = 3000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The arguments of the next `event` on `target`, within `ms`; on timeout its listener is removed. */
export function next(
  target: {
    once(event: string, listener: (...args: unknown[]) => void): unknown;
    off?(event: string, listener: (...args: unknown[]) => void): unknown;
  },
  event: string,
  ms = 3000,
): Promise<unknown[]> {
  let listener: ((...args: unknown[]) => void) | undefined;
  const arrived = new Promise<unknown[]>((resolve) => {
    listener = (...args: unknown[]) => resolve(args);
    target.once(event, listener);
  });
  return within(arrived, `event "${event}"`, ms).catch((err: unknown) => {
    if (listener) target.off?.(event, listener);
    throw err;
  });
}

/** Polls `check` until it is true (for state only observable by asking); bounded by `ms`. */
export async function until(check: () => Promise<boolean> | boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
