// Request correlation as a state machine, against a fake seam: it answers PUBSUB NUMSUB with counts the test sets
// and records publishes, so that counting, early completion, the query limit and the error codes can be driven
// exactly. The real exchange with servers is in the adapter's and the emitter's suites.
import assert from "node:assert/strict";
import { test } from "node:test";
import { classicChannels, decodeRequest, encodeResponse, ProtocolError, RequestType } from "@sio-redis/protocol";
import { eachServer, QueryTimeoutError, Requests, SioRedisError, Subscriptions } from "../src/index.js";
import { fakeSeam } from "./helpers.js";

const channels = classicChannels("t", "/");
const UID = "me";

function setup(options: { maxConcurrent?: number; maxPending?: number } = {}) {
  const fake = fakeSeam();
  const counts = { servers: 3, own: 1 };
  fake.numsub = () => [counts.servers, counts.own];
  const seam = fake.seam;
  const subs = new Subscriptions(seam);
  const requests = new Requests({
    pub: seam,
    subs,
    channels,
    uid: UID,
    maxPending: options.maxPending ?? 100,
    maxConcurrent: options.maxConcurrent,
    self: 1,
    owner: "the test",
    recountMs: 20,
  });
  const answer = (requestId: string, rooms: string[] = ["r"]) =>
    fake.deliver(channels.nodeResponse(UID), encodeResponse({ type: RequestType.ALL_ROOMS, requestId, rooms }));
  // our subscriber went away and came back
  const reconnect = () => {
    fake.set("down");
    fake.set("ready");
  };
  // the ids of the requests published so far
  const ids = () =>
    fake.published.flatMap(([, payload]) => {
      const request = decodeRequest(payload);
      return !(request instanceof ProtocolError) && "requestId" in request && request.requestId
        ? [request.requestId]
        : [];
    });
  return { requests, counts, ids, answer, reconnect };
}

const allRooms = (timeoutMs = 2000) => ({
  name: "allRooms",
  type: RequestType.ALL_ROOMS,
  timeoutMs,
  build: (requestId: string) => ({ type: RequestType.ALL_ROOMS, uid: UID, requestId }),
  collector: (expected: number) => {
    const rooms = new Set<string | number>();
    return eachServer(
      expected,
      (r) => {
        if (r.type === RequestType.ALL_ROOMS) for (const room of r.rooms) rooms.add(room);
      },
      () => rooms,
    );
  },
});

async function published(t: ReturnType<typeof setup>, n: number): Promise<string[]> {
  for (let i = 0; i < 100 && t.ids().length < n; i++) await new Promise((r) => setImmediate(r));
  return t.ids();
}

test("complete once every other server answered; the count includes this one (self: 1)", async () => {
  const t = setup();
  const result = t.requests.run(allRooms());
  const [id] = await published(t, 1);
  t.answer(id as string, ["a"]);
  t.answer(id as string, ["b"]);
  assert.deepEqual([...(await result)].sort(), ["a", "b"]);
});

test("a server gone while waiting: complete with the live ones' answers at the next count", async () => {
  const t = setup();
  const result = t.requests.run(allRooms());
  const [id] = await published(t, 1);
  t.answer(id as string, ["a"]);
  t.counts.servers = 2; // one of the two others died
  assert.deepEqual([...(await result)], ["a"]);
});

test("a count taken while our own subscription is missing is not believed", async () => {
  const t = setup();
  t.counts.own = 0;
  await assert.rejects(t.requests.servers(), (err) => err instanceof SioRedisError && err.code === "NOT_SUBSCRIBED");
});

test("after a reconnection of our subscriber, a pending request never completes with fewer answers", async () => {
  const t = setup();
  const result = t.requests.run(allRooms(300));
  const [id] = await published(t, 1);
  t.answer(id as string, ["a"]);
  // our subscriber went away and came back: the other answer may have been lost meanwhile
  t.reconnect();
  t.counts.servers = 2;
  await assert.rejects(result, (err) => err instanceof QueryTimeoutError && err.code === "QUERY_TIMEOUT");
});

test("at most maxConcurrent queries are in flight; the next one goes when one completes", async () => {
  const t = setup({ maxConcurrent: 2 });
  const results = [t.requests.run(allRooms()), t.requests.run(allRooms()), t.requests.run(allRooms())];
  const first = await published(t, 2);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(t.ids().length, 2, "the third waits for a slot");
  for (const id of first) {
    t.answer(id, ["x"]);
    t.answer(id, ["y"]);
  }
  const [third] = (await published(t, 3)).slice(2);
  t.answer(third as string);
  t.answer(third as string);
  assert.equal((await Promise.all(results)).length, 3);
});

test("stable codes: TOO_MANY_PENDING, CLOSED", async () => {
  const t = setup({ maxPending: 1 });
  const pending = t.requests.run(allRooms());
  await assert.rejects(
    t.requests.run(allRooms()),
    (err) => err instanceof SioRedisError && err.code === "TOO_MANY_PENDING",
  );
  const failed = assert.rejects(pending, (err) => err instanceof SioRedisError && err.code === "CLOSED");
  await t.requests.close(10);
  await failed;
  await assert.rejects(t.requests.run(allRooms()), (err) => err instanceof SioRedisError && err.code === "CLOSED");
});

test("close() fails the queries waiting for a slot without publishing them", async () => {
  const t = setup({ maxConcurrent: 1 });
  const results = [t.requests.run(allRooms()), t.requests.run(allRooms()), t.requests.run(allRooms())];
  const failed = Promise.allSettled(results);
  await published(t, 1);
  await t.requests.close(10);
  const settled = await failed;
  assert.ok(settled.every((r) => r.status === "rejected"));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(t.ids().length, 1, "only the query that had its slot was published");
});
