// The publish queue as a state machine, against a fake target: the real clients would only add noise to what is
// checked here (batch bounds, waiting while down, dropping what waited too long). The real clients' outage
// behaviour is in packages/adapter/test/outage.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ConnectionState, MAX_WAIT_MS, PublishDroppedError } from "../src/index.js";
import { type Message, publishQueue } from "../src/publish-queue.js";

function fakeTarget(initial: ConnectionState = "ready", failFast = false) {
  let state = initial;
  const readyListeners = new Set<() => void>();
  const batches: Message[][] = [];
  return {
    batches,
    target: {
      send: async (messages: readonly Message[]) => {
        batches.push([...messages]);
      },
      state: () => state,
      onReady(listener: () => void) {
        readyListeners.add(listener);
        return () => readyListeners.delete(listener);
      },
      failFast,
    },
    set(next: ConnectionState) {
      state = next;
      if (next === "ready") for (const l of [...readyListeners]) l();
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test("a batch holds at most 256 messages and 256 KiB", async () => {
  const { batches, target } = fakeTarget();
  const publish = publishQueue(target);
  const big = Buffer.alloc(100 * 1024);
  await Promise.all([publish("a", big), publish("a", big), publish("a", big), publish("a", "small")]);
  assert.deepEqual(
    batches.map((b) => b.length),
    [2, 2],
    "the third 100 KiB message starts a new batch",
  );
  batches.length = 0;
  await Promise.all(Array.from({ length: 600 }, (_, i) => publish("b", String(i))));
  assert.deepEqual(
    batches.map((b) => b.length),
    [256, 256, 88],
  );
});

test("while the connection is down nothing is sent; on ready everything goes, in order", async () => {
  const fake = fakeTarget("down");
  const publish = publishQueue(fake.target);
  const sent = [publish("a", "1"), publish("b", "2")];
  await tick();
  await tick();
  assert.deepEqual(fake.batches, []);
  const later = publish("c", "3");
  fake.set("ready");
  await Promise.all([...sent, later]);
  assert.deepEqual(fake.batches.flat(), [
    ["a", "1"],
    ["b", "2"],
    ["c", "3"],
  ]);
});

test("a client set to fail fast gets its publishes at once, down or not", async () => {
  const fake = fakeTarget("down", true);
  const publish = publishQueue(fake.target);
  await publish("a", "1");
  assert.deepEqual(fake.batches, [[["a", "1"]]]);
});

test(`publishes that waited ${MAX_WAIT_MS / 1000} s for Redis are dropped with a PublishDroppedError; the rest go`, async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
  const fake = fakeTarget("down");
  const publish = publishQueue(fake.target);
  const old = publish("a", "old");
  await Promise.resolve();
  await Promise.resolve();
  t.mock.timers.tick(MAX_WAIT_MS - 1000);
  const recent = publish("a", "recent");
  await Promise.resolve();
  await Promise.resolve();
  t.mock.timers.tick(1000);
  await assert.rejects(old, (err: unknown) => err instanceof PublishDroppedError && err.code === "WAITED_TOO_LONG");
  fake.set("ready");
  await recent;
  assert.deepEqual(fake.batches.flat(), [["a", "recent"]]);
});
