// Test support for the transport's tests: bounded waits from the workspace, and a fake seam for the state machines.
import type { ConnectionState, PubSubSink, RedisSeam } from "../src/index.js";

export { until } from "@sio-redis/testing";

/**
 * A seam that records the (un)subscribe commands and the publishes it is given, answers PUBSUB NUMSUB with
 * `numsub` (0 for every channel by default), and changes state when told: what Subscriptions and Requests are
 * checked against. A real connection would only add noise to those state machines.
 */
export function fakeSeam(initial: ConnectionState = "ready") {
  let state = initial;
  let sink: PubSubSink | undefined;
  const ready = new Set<() => void>();
  const commands: string[] = [];
  const published: Array<[channel: string, payload: Buffer | string]> = [];
  const fake = {
    commands,
    published,
    numsub: (channels: readonly string[]) => channels.map(() => 0),
    deliver: (channel: string, message: Buffer | string) =>
      sink?.message(channel, typeof message === "string" ? Buffer.from(message) : message),
    /** Another state; "ready" also tells the ready listeners, as a (re)connection does. */
    set(next: ConnectionState) {
      state = next;
      if (next === "ready") for (const l of [...ready]) l();
    },
    seam: undefined as unknown as RedisSeam,
  };
  const record = (name: string) => async (names: readonly string[]) => {
    commands.push(`${name} ${names.join(" ")}`);
  };
  fake.seam = {
    library: "node-redis",
    cluster: false,
    publish: async (channel, payload) => {
      published.push([channel, payload]);
    },
    numsub: async (channels) => fake.numsub(channels),
    listen: (next) => {
      sink = next;
    },
    subscribe: record("SUBSCRIBE"),
    unsubscribe: record("UNSUBSCRIBE"),
    psubscribe: record("PSUBSCRIBE"),
    punsubscribe: record("PUNSUBSCRIBE"),
    onError: () => () => {},
    onReady: (listener) => {
      ready.add(listener);
      return () => ready.delete(listener);
    },
    errorListenerCount: () => 1,
    state: () => state,
  };
  return fake;
}
