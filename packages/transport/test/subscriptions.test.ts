// Subscriptions as a state machine, against a fake seam that records commands: what is checked here (batching,
// counting, holding while down, the reconnection epoch) would only be noise on a real connection. The real
// clients are in redis-client.test.ts and the adapter's suites.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Subscriptions } from "../src/index.js";
import { fakeSeam } from "./helpers.js";

const turn = () => new Promise((resolve) => setImmediate(resolve));

test("the (un)subscriptions of one turn go as one command each, net of what cancelled out", async () => {
  const fake = fakeSeam();
  const subs = new Subscriptions(fake.seam);
  const h = () => {};
  void subs.subscribe(["a", "b"], h);
  void subs.subscribe(["c"], h);
  void subs.psubscribe(["p*"], h);
  await subs.subscribe(["gone"], h).then(() => {});
  assert.deepEqual(fake.commands, ["SUBSCRIBE a b c gone", "PSUBSCRIBE p*"]);
  fake.commands.length = 0;
  void subs.unsubscribe(["gone"], h);
  void subs.unsubscribe(["a"], h);
  void subs.subscribe(["a"], h); // removed and added again in one turn: no command
  await subs.subscribe([], h);
  assert.deepEqual(fake.commands, ["UNSUBSCRIBE gone"]);
});

test("a handler is counted per channel: two rooms that are one channel keep it until both let go", async () => {
  const fake = fakeSeam();
  const subs = new Subscriptions(fake.seam);
  const got: string[] = [];
  const h = (_channel: string, message: Buffer) => got.push(message.toString());
  await subs.subscribe(["room"], h);
  await subs.subscribe(["room"], h);
  await subs.unsubscribe(["room"], h);
  fake.deliver("room", "still here");
  assert.deepEqual(got, ["still here"], "delivered once, the channel kept");
  assert.deepEqual(fake.commands, ["SUBSCRIBE room"]);
  await subs.unsubscribe(["room"], h);
  assert.deepEqual(fake.commands, ["SUBSCRIBE room", "UNSUBSCRIBE room"]);
});

test("nothing is sent while the connection is down; on ready everything it needs is subscribed again", async () => {
  const fake = fakeSeam("down");
  const subs = new Subscriptions(fake.seam);
  const h = () => {};
  let confirmed = false;
  void subs.subscribe(["a"], h).then(() => {
    confirmed = true;
  });
  await turn();
  await turn();
  assert.deepEqual(fake.commands, []);
  assert.equal(confirmed, false, "subscribe() resolves once Redis confirmed, not before");
  const epoch = subs.epoch;
  fake.set("ready");
  await subs.ready(["a"]);
  await turn();
  assert.deepEqual(fake.commands, ["SUBSCRIBE a"]);
  assert.equal(confirmed, true);
  assert.equal(subs.epoch, epoch + 1, "each ready starts a new epoch");
  // a reconnection: Redis forgot everything, everything is asked again in one command
  fake.commands.length = 0;
  void subs.psubscribe(["p*"], h);
  fake.set("down");
  await turn();
  await turn();
  assert.deepEqual(fake.commands, []);
  fake.set("ready");
  await subs.ready(["a"]);
  await turn();
  assert.deepEqual(fake.commands.sort(), ["PSUBSCRIBE p*", "SUBSCRIBE a"]);
});

test("ready() rejects for a connection the application closed", async () => {
  const fake = fakeSeam("closed");
  const subs = new Subscriptions(fake.seam);
  await assert.rejects(subs.ready(["a"]), /closed/);
});

test("a channel let go while the connection was down is unsubscribed once it is back", async () => {
  const fake = fakeSeam();
  const subs = new Subscriptions(fake.seam);
  const h = () => {};
  await subs.subscribe(["room", "keep"], h);
  fake.set("down");
  void subs.unsubscribe(["room"], h);
  await turn();
  await turn();
  fake.commands.length = 0;
  fake.set("ready");
  await subs.ready(["keep"]);
  await turn();
  // the client library restores both channels by itself: ours must drop the one nobody wants any more
  assert.deepEqual(fake.commands.sort(), ["SUBSCRIBE keep", "UNSUBSCRIBE room"]);
});
