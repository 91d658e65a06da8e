// Errors as the application sees them: always Error objects, always with a message.

/** `err` as an Error (a rejection may carry anything). */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * One line that says what went wrong. Node's connection errors can have an empty message (an AggregateError of
 * the IPv4 and IPv6 attempts to reach `localhost`): then the first inner error, or the code, speaks.
 */
export function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.message === "" && err.errors.length > 0) return describeError(err.errors[0]);
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    if (err.message) return err.message;
    return typeof code === "string" ? code : err.name;
  }
  return String(err);
}
