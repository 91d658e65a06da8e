// Bounded waits for the transport's tests.

/** Polls `check` until it is true (for state only observable by asking); bounded by `ms`. */
export async function until(check: () => Promise<boolean> | boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
