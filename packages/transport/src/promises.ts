// Promises that may be ignored: a publishing call's promise must never become an unhandled rejection.

export const noop = (): void => {};

/**
 * Puts a no-op handler on `promise` so that ignoring it never raises an unhandled rejection; awaiting it still
 * throws. Returns the same promise.
 */
export function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(noop);
  return promise;
}

/** Runs `start` and turns a synchronous throw (a closed client in some versions) into a rejected, quiet promise. */
export function attempt<T>(start: () => Promise<T>): Promise<T> {
  try {
    return quiet(start());
  } catch (err) {
    return quiet(Promise.reject(err));
  }
}
