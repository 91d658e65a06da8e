// The protocol package's test vectors, replayed through the Emitter API: every vector that
// @socket.io/redis-emitter 5.1 produces (broadcasts in "emitter" style, requests without uid or with uid
// "emitter") must come out of our emitter with the same channel and the same bytes.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, test } from "node:test";
import { parseChannel } from "@sio-redis/protocol";
import { type BroadcastOperator, Emitter, type RedisClient } from "../src/index.js";

const require = createRequire(import.meta.url);

interface Vector {
  name: string;
  channel: string;
  hex: string;
  value: Record<string, unknown>;
  options?: { style?: string };
}

function load(file: string): Vector[] {
  return (require(`@sio-redis/protocol/vectors/${file}`) as { vectors: Vector[] }).vectors;
}

// Vectors write binary, Dates and undefined as tagged JSON.
function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (typeof value !== "object" || value === null) return value;
  const tagged = value as Record<string, unknown>;
  if (typeof tagged.$bin === "string") return Buffer.from(tagged.$bin, "hex");
  if (typeof tagged.$date === "number") return new Date(tagged.$date);
  if (tagged.$undefined === true) return undefined;
  return Object.fromEntries(Object.entries(tagged).map(([k, v]) => [k, revive(v)]));
}

/** A client that records what it is asked to publish. */
function recorder(): { client: RedisClient; published: Array<{ channel: string; hex: string }> } {
  const published: Array<{ channel: string; hex: string }> = [];
  return {
    published,
    client: {
      publish(channel, message) {
        published.push({ channel, hex: Buffer.from(message).toString("hex") });
        return Promise.resolve(0);
      },
    },
  };
}

function namespaceOf(channel: string): { prefix: string; nsp: string } {
  const parsed = parseChannel(channel);
  if (parsed instanceof Error) throw parsed;
  return { prefix: parsed.prefix, nsp: parsed.nsp };
}

type Selector = { rooms: Array<string | number>; except: Array<string | number>; flags?: Record<string, unknown> };

function select(emitter: Emitter, opts: Selector): BroadcastOperator | Emitter {
  let target: BroadcastOperator | Emitter = emitter;
  if (opts.rooms.length > 0) target = target.to(opts.rooms);
  if (opts.except.length > 0) target = target.except(opts.except);
  for (const [flag, on] of Object.entries(opts.flags ?? {})) {
    if (flag === "volatile") target = target.volatile;
    else if (flag === "compress") target = target.compress(on as boolean);
    else throw new Error(`the emitter has no "${flag}" flag`);
  }
  return target;
}

describe("broadcast vectors in the official emitter's style", () => {
  const vectors = load("broadcast.json").filter((v) => v.options?.style === "emitter");
  test("there are some", () => assert.ok(vectors.length >= 5));
  for (const vector of vectors) {
    test(vector.name, async () => {
      const { client, published } = recorder();
      const { prefix, nsp } = namespaceOf(vector.channel);
      const value = revive(vector.value) as { packet: { data: [string, ...unknown[]]; nsp: string }; opts: Selector };
      assert.equal(value.packet.nsp, nsp);
      const emitter = new Emitter(client, { key: prefix }).of(nsp.slice(1));
      await select(emitter, value.opts).emit(...value.packet.data);
      assert.deepEqual(published, [{ channel: vector.channel, hex: vector.hex }]);
    });
  }
});

describe("request vectors the official emitter sends", () => {
  const vectors = load("requests.json").filter(
    (v) => ([2, 3, 4].includes(v.value.type as number) && !("uid" in v.value)) || v.value.uid === "emitter",
  );
  test("there are some", () => assert.ok(vectors.length >= 4));
  for (const vector of vectors) {
    test(vector.name, async () => {
      const { client, published } = recorder();
      const { prefix, nsp } = namespaceOf(vector.channel);
      const emitter = new Emitter(client, { key: prefix }, nsp);
      const request = revive(vector.value) as {
        type: number;
        opts: Selector;
        rooms: Array<string | number>;
        close: boolean;
        data: [string, ...unknown[]];
      };
      switch (request.type) {
        case 2:
          await select(emitter, request.opts).socketsJoin(request.rooms);
          break;
        case 3:
          await select(emitter, request.opts).socketsLeave(request.rooms);
          break;
        case 4:
          await select(emitter, request.opts).disconnectSockets(request.close);
          break;
        case 6:
          await emitter.serverSideEmit(...request.data);
          break;
        default:
          assert.fail(`unexpected request type ${request.type}`);
      }
      assert.deepEqual(published, [{ channel: vector.channel, hex: vector.hex }]);
    });
  }
});
