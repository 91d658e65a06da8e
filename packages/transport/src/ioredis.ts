// The seam over ioredis ≥ 5 (`Redis`, `Cluster`): lowercase `psubscribe`, `subscribe(...channels)` plus the
// connection-wide `messageBuffer` event, `call(cmd, ...args)`, `status`.

import { attempt, noop } from "./promises.js";
import { publishQueue } from "./publish-queue.js";
import { scriptedPublish } from "./publish-script.js";
import { type ConnectionState, connectionEvents, events, type RedisSeam, readNumsub, sumCounts } from "./seam.js";

export interface IoRedisClient {
  publish(channel: string, message: string | Buffer): Promise<unknown>;
  pipeline?: () => {
    publish(channel: string, message: string | Buffer): unknown;
    exec(): Promise<Array<[Error | null, unknown]> | null>;
  };
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  psubscribe(...patterns: string[]): Promise<unknown>;
  punsubscribe(...patterns: string[]): Promise<unknown>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  listenerCount(event: string): number;
  call(command: string, ...args: Array<string | Buffer>): Promise<unknown>;
  readonly status?: string;
  readonly options?: { enableOfflineQueue?: boolean };
  readonly isCluster?: boolean;
  nodes?: (role?: string) => IoRedisClient[];
}

/** ioredis `Redis` and `Cluster`: `call` tells them from the callback-style node-redis 3, which has the rest. */
export function isIoRedisLike(client: unknown): boolean {
  const c = client as Record<string, unknown> | null;
  return (
    typeof c === "object" &&
    c !== null &&
    typeof c.psubscribe === "function" &&
    typeof c.on === "function" &&
    typeof c.call === "function"
  );
}

function stateOf(client: IoRedisClient): ConnectionState {
  // no status: a wrapper or a double that only forwards commands; "wait": lazyConnect, the first command connects
  if (client.status === "ready" || client.status === "wait" || client.status === undefined) return "ready";
  return client.status === "end" ? "closed" : "down";
}

function command(client: IoRedisClient, args: Array<string | Buffer>): Promise<unknown> {
  const [name, ...rest] = args as [string, ...Array<string | Buffer>];
  return attempt(() => client.call(name, ...rest));
}

/** Sends batches through one connection: the publish script, or a pipeline of PUBLISHes once scripts are refused. */
function sendThrough(connection: IoRedisClient): ReturnType<typeof scriptedPublish> {
  return scriptedPublish({
    command: (args) => command(connection, args),
    publish: (channel, payload) => connection.publish(channel, payload),
    async pipeline(messages) {
      const pipeline = connection.pipeline?.();
      if (!pipeline) return Promise.all(messages.map(([c, p]) => connection.publish(c, p)));
      for (const [channel, payload] of messages) pipeline.publish(channel, payload);
      // a pipeline resolves with one [error, reply] per command
      for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
    },
  });
}

/**
 * A Cluster's batches, all through one master as long as the cluster has it. PUBLISH and a script without keys
 * have no slot, so the Cluster sends each to a random master; the nodes forward them over the cluster bus, and
 * messages that entered at different nodes reach a subscriber in any order. Through one node they keep their order.
 */
function clusterSend(cluster: IoRedisClient): ReturnType<typeof scriptedPublish> {
  let pinned: IoRedisClient | undefined;
  // one sender per connection: each remembers whether its node refused scripts
  const senders = new WeakMap<IoRedisClient, ReturnType<typeof scriptedPublish>>();
  return (messages, alone) => {
    const masters = (cluster.nodes as NonNullable<IoRedisClient["nodes"]>)("master");
    // a master that left the cluster's pool (failover, resharding) is closed by the pool: pick another
    if (!pinned || !masters.includes(pinned) || pinned.status === "end") {
      // a random one, so that the servers of an application spread over the masters
      pinned = masters[Math.floor(Math.random() * masters.length)];
    }
    // no master known (not discovered yet): the Cluster places each command itself
    const target = pinned ?? cluster;
    let send = senders.get(target);
    if (!send) {
      send = sendThrough(target);
      senders.set(target, send);
    }
    return send(messages, alone);
  };
}

/**
 * Runs a Cluster's (un)subscribe commands one after the other. A Cluster opens its subscriber connection at the
 * first SUBSCRIBE; ioredis 5 writes the next ones at once even while that connection is still in its handshake,
 * where their replies put it in subscriber mode before its ready check (INFO): the check fails, and the connection
 * is dropped with the subscriptions. One at a time, the second waits for the first's answer, which comes once the
 * connection is ready. (ioredis 6 holds them itself until then.)
 */
function oneAtATime(): <T>(run: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(run: () => Promise<T>) => {
    const next = last.then(run, run);
    last = next.catch(noop);
    return next;
  };
}

export function ioRedisSeam(client: IoRedisClient, subEvent: string): RedisSeam {
  const cluster = client.isCluster === true && typeof client.nodes === "function";
  const state = () => stateOf(client);
  const seam = events(client, state);
  const pubSub = cluster ? oneAtATime() : <T>(run: () => Promise<T>) => run();
  return {
    library: "ioredis",
    cluster,
    publish: publishQueue({
      send: cluster ? clusterSend(client) : sendThrough(client),
      state,
      onReady: seam.onReady,
      failFast: client.options?.enableOfflineQueue === false,
    }),
    async numsub(channels) {
      if (cluster) {
        // each node counts only its own subscribers, and a subscriber may sit on a replica
        const nodes = (client.nodes as NonNullable<IoRedisClient["nodes"]>)();
        const perNode = await Promise.all(
          nodes.map(async (node) => readNumsub(await command(node, ["PUBSUB", "NUMSUB", ...channels]), channels)),
        );
        return sumCounts(perNode, channels);
      }
      return readNumsub(await command(client, ["PUBSUB", "NUMSUB", ...channels]), channels);
    },
    listen: connectionEvents(client, subEvent),
    subscribe: (channels) => attempt(() => pubSub(() => client.subscribe(...channels))).then(noop),
    unsubscribe: (channels) => attempt(() => pubSub(() => client.unsubscribe(...channels))).then(noop),
    psubscribe: (patterns) => attempt(() => pubSub(() => client.psubscribe(...patterns))).then(noop),
    punsubscribe: (patterns) => attempt(() => pubSub(() => client.punsubscribe(...patterns))).then(noop),
    ...seam,
  };
}
