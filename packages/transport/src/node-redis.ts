// The seam over node-redis ≥ 4 (`createClient()`, `createCluster()`): camelCase `pSubscribe`,
// `subscribe(channels, listener, bufferMode)`, `sendCommand`, `isOpen` / `isReady`.

import { attempt, noop } from "./promises.js";
import { publishQueue } from "./publish-queue.js";
import { scriptedPublish } from "./publish-script.js";
import { type ConnectionState, events, type PubSubSink, type RedisSeam, readNumsub, sumCounts } from "./seam.js";

// node-redis calls listeners as (message, channel); in buffer mode both are Buffers.
type Listener = (message: Buffer, channel: Buffer) => void;

interface NodeRedisCommon {
  publish(channel: string, message: string | Buffer): Promise<unknown>;
  subscribe(channels: string[], listener: Listener, bufferMode: true): Promise<unknown>;
  unsubscribe(channels: string[], listener: Listener, bufferMode: true): Promise<unknown>;
  pSubscribe(patterns: string[], listener: Listener, bufferMode: true): Promise<unknown>;
  pUnsubscribe(patterns: string[], listener: Listener, bufferMode: true): Promise<unknown>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  listenerCount(event: string): number;
  readonly isOpen?: boolean;
  readonly isReady?: boolean;
  readonly options?: { disableOfflineQueue?: boolean } | undefined;
}

export interface NodeRedisClient extends NodeRedisCommon {
  multi?: () => {
    publish(channel: string, message: string | Buffer): unknown;
    execAsPipeline?: () => Promise<unknown>;
  };
  sendCommand(args: Array<string | Buffer>): Promise<unknown>;
}

/** A node of `masters` / `replicas` (node-redis 4–6 give each its `address`, host:port). */
interface ClusterNode {
  readonly address?: string;
  readonly host?: string;
  readonly port?: number;
}

/**
 * node-redis `createCluster()` (4–6): `masters` and `replicas` as discovered (replicas only with `useReplicas`),
 * `nodeClient(node)` a standalone client of one node (node-redis 4 may give it without a promise). Pub/sub goes
 * through one "pubSubNode" connection, a master or a replica. Version 6 has `isReady` and emits `connect` once
 * the cluster is discovered; version 4 has `isOpen` only and emits neither.
 */
export interface NodeRedisCluster extends NodeRedisCommon {
  readonly masters: readonly ClusterNode[];
  readonly replicas?: readonly ClusterNode[];
  nodeClient(node: ClusterNode): NodeRedisClient | Promise<NodeRedisClient>;
}

/** node-redis ≥ 4 standalone or cluster: camelCase methods. */
export function isNodeRedisLike(client: unknown): boolean {
  const c = client as Record<string, unknown> | null;
  return typeof c === "object" && c !== null && typeof c.pSubscribe === "function";
}

/** A node-redis `createCluster()` client. */
export function isNodeRedisCluster(client: unknown): client is NodeRedisCluster {
  const c = client as Record<string, unknown>;
  return isNodeRedisLike(client) && Array.isArray(c.masters) && typeof c.nodeClient === "function";
}

// node-redis: isOpen (connect() called, not closed) and isReady (a cluster ≤ 5 has no isReady: open is ready).
function stateOf(client: NodeRedisCommon): ConnectionState {
  if (client.isReady === true) return "ready";
  if (client.isOpen === false) return "closed";
  return client.isReady === undefined ? "ready" : "down";
}

/** The pub/sub half, the same for standalone and cluster clients. */
function pubSub(client: NodeRedisCommon) {
  let sink: PubSubSink | undefined;
  // node-redis keeps listeners per channel and per pattern: ours are these, so that unsubscribing removes
  // exactly ours and leaves the user's listeners on the same client alone.
  const onMessage: Listener = (message, channel) => sink?.message(channel.toString(), message);
  const patternListeners = new Map<string, Listener>();
  const patternListener = (pattern: string) => {
    let listener = patternListeners.get(pattern);
    if (!listener) {
      listener = (message, channel) => sink?.pmessage(pattern, channel.toString(), message);
      patternListeners.set(pattern, listener);
    }
    return listener;
  };
  return {
    listen(next: PubSubSink) {
      sink = next;
    },
    subscribe: (channels: readonly string[]) =>
      attempt(() => client.subscribe([...channels], onMessage, true)).then(noop),
    unsubscribe: (channels: readonly string[]) =>
      attempt(() => client.unsubscribe([...channels], onMessage, true)).then(noop),
    // one listener per pattern (it names the pattern), so one call each; there is one pattern per namespace
    psubscribe: (patterns: readonly string[]) =>
      attempt(() => Promise.all(patterns.map((p) => client.pSubscribe([p], patternListener(p), true)))).then(noop),
    punsubscribe: (patterns: readonly string[]) =>
      attempt(() =>
        Promise.all(
          patterns.map((pattern) => {
            const listener = patternListener(pattern);
            // forgotten before the command: a PSUBSCRIBE of the next turn gets a listener of its own
            patternListeners.delete(pattern);
            return client.pUnsubscribe([pattern], listener, true);
          }),
        ),
      ).then(noop),
  };
}

/**
 * Sends batches through one connection: the publish script, or PUBLISHes as one pipeline (node-redis ≥ 4.6
 * `execAsPipeline`, else separate commands the client pipelines) once scripts are refused.
 */
function sendThrough(client: NodeRedisClient): ReturnType<typeof scriptedPublish> {
  return scriptedPublish({
    command: (args) => client.sendCommand(args),
    publish: (channel, payload) => client.publish(channel, payload),
    pipeline(messages) {
      const multi = client.multi?.();
      if (!multi?.execAsPipeline) return Promise.all(messages.map(([c, p]) => client.publish(c, p)));
      for (const [channel, payload] of messages) multi.publish(channel, payload);
      return multi.execAsPipeline();
    },
  });
}

export function nodeRedisSeam(client: NodeRedisClient): RedisSeam {
  const state = () => stateOf(client);
  const seam = events(client, state);
  return {
    library: "node-redis",
    cluster: false,
    publish: publishQueue({
      send: sendThrough(client),
      state,
      onReady: seam.onReady,
      failFast: client.options?.disableOfflineQueue === true,
    }),
    async numsub(channels) {
      return readNumsub(await attempt(() => client.sendCommand(["PUBSUB", "NUMSUB", ...channels])), channels);
    },
    ...pubSub(client),
    ...seam,
  };
}

/** How long a node-redis 4 cluster's discovery is watched for (its connect() gives up sooner). */
const DISCOVERY_MS = 60_000;

const addressOf = (node: ClusterNode) => node.address ?? `${node.host}:${node.port}`;

/**
 * The master a cluster seam publishes through, the same one as long as the cluster has it. PUBLISH has no key, so
 * the cluster client sends each one to a random node; the nodes forward it over the cluster bus, and messages that
 * entered at different nodes reach a subscriber in any order. Through one node they keep their order.
 */
function pinnedMaster(client: NodeRedisCluster): () => ClusterNode | undefined {
  let pinned: string | undefined;
  return () => {
    const { masters } = client;
    let node = masters.find((m) => addressOf(m) === pinned);
    if (!node) {
      // a random one: the servers of an application spread over the masters
      node = masters[Math.floor(Math.random() * masters.length)];
      pinned = node && addressOf(node);
    }
    return node;
  };
}

export function nodeRedisClusterSeam(client: NodeRedisCluster): RedisSeam {
  // node-redis 4 has no isReady: open is ready, except while connect() is still discovering the cluster
  const discovering = () => client.isReady === undefined && client.isOpen === true && client.masters.length === 0;
  const state = (): ConnectionState => (discovering() ? "down" : stateOf(client));
  const seam = events(client, state);
  // node-redis 6 emits `connect` (not `ready`) once the cluster is discovered, and nothing on later reconnections
  // (each node's client reconnects and restores its own subscriptions); node-redis 4 emits neither: while it
  // discovers, a bounded poll tells the listeners when it is done
  const waiting = new Set<() => void>();
  let poll: NodeJS.Timeout | undefined;
  const stopPolling = () => {
    clearInterval(poll);
    poll = undefined;
  };
  const onReady = (listener: () => void) => {
    client.on("ready", listener);
    client.on("connect", listener);
    if (discovering()) {
      waiting.add(listener);
      const since = Date.now();
      poll ??= setInterval(() => {
        if (discovering() && Date.now() - since < DISCOVERY_MS) return;
        stopPolling();
        const listeners = [...waiting];
        waiting.clear();
        if (state() === "ready") for (const l of listeners) l();
      }, 20);
      poll.unref?.();
    }
    return () => {
      client.off("ready", listener);
      client.off("connect", listener);
      waiting.delete(listener);
      if (waiting.size === 0) stopPolling();
    };
  };
  const master = pinnedMaster(client);
  // one scripted sender per node client: it remembers whether that node refused scripts
  const senders = new WeakMap<NodeRedisClient, ReturnType<typeof scriptedPublish>>();
  return {
    library: "node-redis",
    cluster: true,
    publish: publishQueue({
      async send(messages, alone) {
        const node = master();
        // no master known yet (node-redis 4 while it discovers the cluster): the client places each PUBLISH
        if (!node) return Promise.all(messages.map(([c, p]) => client.publish(c, p)));
        const nodeClient = await client.nodeClient(node);
        let send = senders.get(nodeClient);
        if (!send) {
          send = sendThrough(nodeClient);
          senders.set(nodeClient, send);
        }
        return send(messages, alone);
      },
      state,
      onReady,
    }),
    async numsub(channels) {
      // each node counts only its own subscribers, and a subscriber may sit on a replica
      const nodes = [...client.masters, ...(client.replicas ?? [])];
      const perNode = await Promise.all(
        nodes.map(async (node) => {
          const nodeClient = await client.nodeClient(node);
          return readNumsub(await attempt(() => nodeClient.sendCommand(["PUBSUB", "NUMSUB", ...channels])), channels);
        }),
      );
      return sumCounts(perNode, channels);
    },
    ...pubSub(client),
    ...seam,
    onReady,
  };
}
