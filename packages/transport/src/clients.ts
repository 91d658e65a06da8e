// The life of a client the application handed us, in one place: opening a second connection like it, and closing
// one we opened, for every supported library (node-redis 3–6, ioredis).
import { isNodeRedis3 } from "./node-redis-3.js";

interface Closable {
  close?: () => Promise<unknown>;
  disconnect?: () => unknown;
  quit?: (callback: () => void) => unknown;
  end?: (flush: boolean) => unknown;
}

/**
 * Closes a client: node-redis ≥ 5 `close()`, node-redis 4 and ioredis `disconnect()`, node-redis 3 `quit()` (then
 * `end()` after a second: a Redis that is away never answers QUIT). Never rejects, for a client that is already
 * closed either.
 *
 * @example
 * ```ts
 * await closeClient(subClient);
 * ```
 */
export async function closeClient(client: object): Promise<void> {
  const c = client as Closable;
  if (isNodeRedis3(client)) {
    const { quit, end } = c as Required<Pick<Closable, "quit" | "end">>;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        end.call(client, true);
        resolve();
      }, 1000);
      timer.unref();
      quit.call(client, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return;
  }
  try {
    // node-redis 4's disconnect() returns a promise, which rejects for a client that is already closed
    if (typeof c.close === "function") await c.close();
    else await c.disconnect?.();
  } catch {
    // closed already: nothing left to close
  }
}

/**
 * A second connection like `client` (`duplicate()`), connecting: node-redis ≥ 4 duplicates start closed, ioredis
 * and node-redis 3 ones connect by themselves. Throws a TypeError when the client cannot be duplicated.
 *
 * @example
 * ```ts
 * const subClient = duplicateClient(pubClient, "pubClient");
 * ```
 */
export function duplicateClient(client: unknown, role: string): object {
  const duplicate = (client as { duplicate?: () => unknown } | null)?.duplicate;
  if (typeof duplicate !== "function") throw new TypeError(`${role} has no duplicate(): pass both clients`);
  const copy = duplicate.call(client) as { connect?: () => Promise<unknown>; isOpen?: boolean };
  // connection errors reach the client's `error` event, which its users listen to
  if (typeof copy.connect === "function" && copy.isOpen === false) copy.connect().catch(() => {});
  return copy;
}
