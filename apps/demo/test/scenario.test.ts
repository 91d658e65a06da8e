// The demo across real processes: 3 Socket.IO instances, the cron job and the HTTP worker on one private Redis,
// with clients on every instance. Steps run in order on one demo; every process is stopped by PID at the end.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startRedisServer } from "@sio-redis/testing";
import { ChatClient, type RunningDemo, runDemo, until, within } from "./helpers.js";

const REQUESTS_TIMEOUT_MS = 1000; // the adapter's default, which the instances use

let run: RunningDemo;
const clients: ChatClient[] = [];

function url(name: string): string {
  const instance = run.demo.instances.find((p) => p.name === name);
  assert.ok(instance?.url, `instance ${name} has a URL`);
  return instance.url;
}

async function post(
  body: string,
  contentType = "application/json",
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${run.demo.worker.url}/notify`, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
    // a bound for a hung worker, not a speed limit: the worker is another process on a possibly loaded machine
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const notify = (body: unknown) => post(JSON.stringify(body));

before(async () => {
  run = await runDemo(300);
});

after(async () => {
  for (const client of clients) client.close();
  await run?.stop();
});

describe("the demo, across processes", { concurrency: 1, timeout: 60_000 }, () => {
  let a: ChatClient;
  let b: ChatClient;
  let c: ChatClient;

  test("clients on each instance join rooms; chat messages reach the room on every instance only", async () => {
    [a, b, c] = ["A", "B", "C"].map((name) => new ChatClient(url(name), `user-${name}`)) as [
      ChatClient,
      ChatClient,
      ChatClient,
    ];
    clients.push(a, b, c);
    await Promise.all(clients.map((client) => client.connected()));
    for (const client of [a, c]) assert.deepEqual(await client.request("join", "team"), { rooms: ["lobby", "team"] });
    assert.deepEqual(await a.request("message", { room: "team", text: "for the team" }), { ok: true });
    const got = await c.receive("for the team");
    assert.equal(got.from, "user-A");
    assert.equal(got.instance, "A");
    await a.receive("for the team");
    assert.deepEqual(await b.request("message", { room: "lobby", text: "for everyone" }), { ok: true });
    await Promise.all(clients.map((client) => client.receive("for everyone")));
    assert.equal(
      b.messages.some((m) => m.text === "for the team"),
      false,
      "B is not in the team room",
    );
  });

  test("the cron job's and the HTTP worker's messages reach the right rooms on every instance", async () => {
    await Promise.all(clients.map((client) => client.receive(/^tick #\d+/, "a cron tick")));
    assert.deepEqual(await notify({ room: "team", text: "worker to team" }), {
      status: 202,
      json: { ok: true, room: "team" },
    });
    const got = await c.receive("worker to team");
    assert.equal(got.from, "HTTP worker");
    assert.equal(got.instance, null);
    await a.receive("worker to team");
    const bad = await notify({ room: "team" });
    assert.equal(bad.status, 400);
    assert.match(String(bad.json.error), /^text:/);
    assert.equal((await post("{not json")).status, 400);
    assert.equal((await post('{"text":"x"}', "text/plain")).status, 415, "no cross-site form posts");
    const huge = await post(JSON.stringify({ text: "x".repeat(20_000) }));
    assert.deepEqual(huge, { status: 413, json: { error: "body: at most 16384 bytes" } });
    assert.equal(
      b.messages.some((m) => m.text === "worker to team"),
      false,
      "not to the lobby",
    );
  });

  test("a client's odd events get an error or nothing, never a crash of its instance", async () => {
    const raw = b.socket;
    raw.emit("join", "x", 5); // an ack that is not a function
    raw.emit("message", { room: "lobby", text: "hi" }, "not a function");
    raw.emit("message", null);
    raw.emit("cluster");
    assert.deepEqual(await b.request("join", { room: 1 }), { error: "room: a non-empty name is required" });
    assert.deepEqual(await b.request("join", a.socket.id), { error: "room: names like socket ids are reserved" });
    assert.deepEqual(await b.request("message", { room: "team", text: "x" }), { error: "room: join team first" });
    // still serving; the join with a bad ack did happen, and is undone here
    assert.deepEqual(await b.request("leave", "x"), { rooms: ["lobby"] });
  });

  test("fetchSockets, allRooms and serverSideEmit see all instances", async () => {
    // the cron job's ticks show in every instance's delivery rate
    await until(
      async () => (await b.cluster()).instances.every((s) => s.history.some((n) => n > 0)),
      "deliveries counted on every instance",
    );
    const snapshot = await b.cluster();
    assert.equal(snapshot.instance, "B");
    assert.equal(snapshot.serverCount, 3);
    assert.deepEqual(snapshot.rooms, ["lobby", "team"]);
    assert.deepEqual(
      snapshot.instances.map((s) => [s.instance, s.sockets, s.history.length]),
      [
        ["A", 1, 60],
        ["B", 1, 60],
        ["C", 1, 60],
      ],
    );
  });

  test("one instance killed: the others answer cluster requests at once and broadcasts go on", async () => {
    const A = run.demo.instances.find((p) => p.name === "A");
    assert.ok(A);
    await A.stop("SIGKILL");
    const started = Date.now();
    const snapshot = await b.cluster();
    const took = Date.now() - started;
    assert.ok(took < REQUESTS_TIMEOUT_MS, `answered in ${took} ms, before the ${REQUESTS_TIMEOUT_MS} ms timeout`);
    assert.equal(snapshot.serverCount, 2);
    assert.equal(snapshot.error, undefined);
    assert.deepEqual(
      snapshot.instances.map((s) => s.instance),
      ["B", "C"],
    );
    await c.request("message", { room: "lobby", text: "after A died" });
    await b.receive("after A died");
  });

  test("Redis restarted: delivery resumes", async () => {
    const { port } = run.redis;
    await run.redis.stop();
    run.redis = await startRedisServer({ port });
    // the instances and the worker reconnect by themselves; the first message after that arrives everywhere
    await until(
      async () => {
        const { status } = await notify({ room: "lobby", text: "after the restart" }).catch(() => ({ status: 0 }));
        if (status !== 202) return false;
        return await within(
          Promise.all([b.receive("after the restart"), c.receive("after the restart")]).then(() => true),
          "delivery",
          500,
        ).catch(() => false);
      },
      "a worker message to reach B and C after the restart",
      // the clients' reconnection backoff grows to ~2 s while Redis is down, then they resubscribe: a bound for a
      // loaded machine, where one notify may itself wait that long for the worker's reconnection
      20_000,
    );
    await c.request("message", { room: "team", text: "team after the restart" });
    assert.equal((await c.receive("team after the restart")).from, "user-C");
  });
});
