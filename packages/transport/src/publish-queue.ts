// The publish queue of one connection: PUBLISHes keep their call order, leave in batches, and wait here (not in
// the client library, whose queued commands time out and cost far more memory) while Redis is unreachable.
import { SioRedisError } from "./errors.js";
import { attempt, noop, quiet } from "./promises.js";
import type { ConnectionState } from "./seam.js";

export type Message = readonly [channel: string, payload: Buffer | string];

/**
 * Most PUBLISHes in one batch: large enough to amortise the client's per-command cost, small enough that Redis
 * starts on the first batch while the caller is still producing the next (measured in apps/bench).
 */
const MAX_BATCH = 256;
/**
 * Most payload bytes in one batch. Redis publishes a whole batch before it reads the next command, so a batch of
 * large messages (fetchSockets answers of tens of KB each) would land in one subscriber's output buffer at once.
 */
const MAX_BATCH_BYTES = 256 * 1024;
/**
 * Batches handed to the client before earlier ones are answered. The rest wait in our queue as
 * (channel, bytes) pairs, far smaller than a client's queued command, so a loop that emits 100k messages
 * without waiting holds megabytes, not hundreds of megabytes.
 */
const MAX_IN_FLIGHT = 4;
/**
 * Payload bytes waiting behind the batches in flight. Beyond it (Redis down or far behind) publishes fail at once
 * instead of growing the heap without bound.
 */
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024;
/**
 * How long a publish may wait for an unreachable Redis. Older ones are dropped (their promise rejects with
 * {@link PublishDroppedError}): the queue holds the last 30 s of traffic, which goes out in order once Redis is back.
 */
export const MAX_WAIT_MS = 30_000;

/** A publish that never reached Redis: refused because too much was waiting, or dropped after waiting too long. */
export class PublishDroppedError extends SioRedisError {
  override name = "PublishDroppedError";
  declare readonly code: "QUEUE_FULL" | "WAITED_TOO_LONG";
}

interface Batch {
  readonly messages: Message[];
  bytes: number;
  /** When its first message was queued. */
  readonly since: number;
  readonly promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function newBatch(): Batch {
  let resolve = noop;
  let reject: (err: unknown) => void = noop;
  const promise = new Promise<void>((res, rej) => {
    resolve = () => res();
    reject = rej;
  });
  promise.catch(noop); // shared by up to MAX_BATCH callers: an ignored one must not be unhandled
  return { messages: [], bytes: 0, since: Date.now(), promise, resolve, reject };
}

/** Where the queue sends batches, and how it learns that the connection is (back) up. */
export interface PublishTarget {
  /** Sends one batch; `alone`: nothing else is in flight and it holds one message (the cheapest path may do). */
  send(messages: readonly Message[], alone: boolean): Promise<unknown>;
  state(): ConnectionState;
  onReady(listener: () => void): () => void;
  /**
   * The application configured its client to fail commands at once while disconnected (node-redis
   * `disableOfflineQueue`, ioredis `enableOfflineQueue: false`): then publishes do not wait here either.
   */
  failFast?: boolean;
}

/**
 * Queues PUBLISHes in order and sends them in batches through `target.send`, with at most MAX_IN_FLIGHT batches
 * unanswered. Every caller gets its batch's promise. A lone message is a batch too, so nothing can overtake a
 * batch that is still in flight. While the connection is down nothing is sent; on its `ready` the queue resumes.
 */
export function publishQueue(target: PublishTarget): (channel: string, payload: Buffer | string) => Promise<void> {
  const queue: Batch[] = [];
  let inFlight = 0;
  let scheduled = false;
  let queuedBytes = 0;
  let expiry: NodeJS.Timeout | undefined;
  let waiting = false;

  const send = (batch: Batch) => {
    queuedBytes -= batch.bytes;
    // nothing before it can still be sent again after it, so a lone message may take the cheapest path
    const alone = inFlight === 0 && batch.messages.length === 1;
    inFlight++;
    attempt(() => target.send(batch.messages, alone))
      .then(batch.resolve, batch.reject)
      .finally(() => {
        inFlight--;
        pump();
      });
  };
  const expire = () => {
    expiry = undefined;
    // back up without our hearing of it (a client whose ready event we missed): send rather than drop
    if (target.state() !== "down") return pump();
    const limit = Date.now() - MAX_WAIT_MS;
    while (queue[0] && queue[0].since <= limit) {
      const batch = queue.shift() as Batch;
      queuedBytes -= batch.bytes;
      batch.reject(
        new PublishDroppedError(
          "WAITED_TOO_LONG",
          `${batch.messages.length} publish(es) dropped after waiting ${MAX_WAIT_MS / 1000} s for Redis`,
        ),
      );
    }
    armExpiry();
  };
  const armExpiry = () => {
    const oldest = queue[0];
    if (expiry || !oldest || target.state() === "ready") return;
    expiry = setTimeout(expire, Math.max(0, oldest.since + MAX_WAIT_MS - Date.now()));
    expiry.unref();
  };
  const pump = () => {
    scheduled = false;
    // a client the application closed rejects at once, which tells the callers; one that is down would hold
    // the batches (and time them out): they wait here instead
    if (!target.failFast && target.state() === "down") {
      if (!waiting && queue.length > 0) {
        waiting = true;
        const stop = target.onReady(() => {
          stop();
          waiting = false;
          clearTimeout(expiry);
          expiry = undefined;
          pump();
        });
      }
      armExpiry();
      return;
    }
    while (inFlight < MAX_IN_FLIGHT) {
      const batch = queue.shift();
      if (!batch) return;
      send(batch);
    }
  };

  return (channel, payload) => {
    const bytes = typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;
    if (queuedBytes + bytes > MAX_QUEUED_BYTES) {
      return quiet(
        Promise.reject(
          new PublishDroppedError(
            "QUEUE_FULL",
            `publish refused: ${MAX_QUEUED_BYTES >> 20} MiB are already waiting for Redis`,
          ),
        ),
      );
    }
    queuedBytes += bytes;
    let batch = queue[queue.length - 1];
    if (
      !batch ||
      batch.messages.length >= MAX_BATCH ||
      batch.bytes + bytes > MAX_BATCH_BYTES ||
      // while Redis is away a batch spans a second at most, so that what waited too long leaves on time
      Date.now() - batch.since > 1000
    ) {
      batch = newBatch();
      queue.push(batch);
    }
    batch.messages.push([channel, payload]);
    batch.bytes += bytes;
    // A full batch leaves at once when there is room, so that Redis works on it while the caller goes on
    // producing; a partial one waits for the end of the caller's synchronous code.
    const full = batch.messages.length >= MAX_BATCH || batch.bytes >= MAX_BATCH_BYTES;
    if (full && queue[0] === batch && inFlight < MAX_IN_FLIGHT && (target.failFast || target.state() !== "down")) {
      queue.shift();
      send(batch);
      return batch.promise;
    }
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(pump);
    }
    return batch.promise;
  };
}
