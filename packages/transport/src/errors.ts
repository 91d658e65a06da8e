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

/**
 * The stable codes of {@link SioRedisError}: match on these, not on messages (which may be reworded).
 * - `QUERY_TIMEOUT`: a query did not get every answer in time ({@link QueryTimeoutError}, with the partial result).
 * - `TOO_MANY_PENDING`: too many queries already wait for answers; try again later.
 * - `CLOSED`: the adapter or emitter was closed, or the application closed its Redis client.
 * - `NOT_SUBSCRIBED`: the subscriber connection is not subscribed in Redis (it keeps being dropped).
 * - `QUEUE_FULL`, `WAITED_TOO_LONG`: a publish never reached Redis ({@link PublishDroppedError}).
 * - `NO_CLIENT`: an emitter created without a Redis client was asked to publish.
 */
export type SioRedisErrorCode =
  | "QUERY_TIMEOUT"
  | "TOO_MANY_PENDING"
  | "CLOSED"
  | "NOT_SUBSCRIBED"
  | "QUEUE_FULL"
  | "WAITED_TOO_LONG"
  | "NO_CLIENT";

/**
 * A runtime error of sio-redis, with a stable `code`.
 *
 * @example
 * ```ts
 * try {
 *   await io.fetchSockets();
 * } catch (err) {
 *   if (err instanceof SioRedisError && err.code === "TOO_MANY_PENDING") retryLater();
 * }
 * ```
 */
export class SioRedisError extends Error {
  override name = "SioRedisError";
  readonly code: SioRedisErrorCode;
  constructor(code: SioRedisErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
