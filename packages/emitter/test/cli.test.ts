// sio-emit as a user runs it: spawned as a process (the built dist/esm/cli.js), against real servers.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { freePort, type RedisServer, startRedisServer } from "@sio-redis/testing";
import { createClient } from "redis";
import type { Socket as ClientSocket } from "socket.io-client";
import { listen, Recorder, type SioCluster, startCluster } from "./helpers.js";

const CLI = fileURLToPath(new URL("../dist/esm/cli.js", import.meta.url));
/**
 * How long one CLI run may take, start-up included: node loading the CLI and a Redis client takes ~0.3 s on an
 * idle machine and took 4.9 s on a loaded 2-core CI machine. A guard against a hung process, not a speed limit.
 */
const RUN_MS = 30_000;
/**
 * How long an event the CLI published may take to reach a client or server once the CLI has exited: its clock
 * starts after the run, so the CLI's start-up (which varies with the machine's load) is not counted.
 */
const DELIVERY_MS = 5000;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sioEmit(args: string[], env: Record<string, string> = {}, direct = false): Promise<Result> {
  return new Promise((resolve, reject) => {
    // direct: run the file itself, through its shebang, as the installed `sio-emit` bin does
    const [command, argv] = direct ? [CLI, args] : [process.execPath, [CLI, ...args]];
    const child = spawn(command, argv, {
      env: { ...process.env, REDIS_URL: redis.url, DEBUG: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let redis: RedisServer;
let cluster: SioCluster;
let c1: ClientSocket;
let c2: ClientSocket;

before(async () => {
  redis = await startRedisServer();
  cluster = await startCluster(redis.url, { count: 2, namespaces: ["/", "/admin"] });
  c1 = await cluster.client(0, { rooms: ["room1"], data: { user: "ann" } });
  c2 = await cluster.client(1, { rooms: ["room2"], data: { user: "bob" } });
});

after(async () => {
  c1?.disconnect();
  c2?.disconnect();
  await cluster?.close();
  await redis?.stop();
});

describe("sio-emit commands", () => {
  test("--help documents every command, option and exit code", async () => {
    const { code, stdout, stderr } = await sioEmit(["--help"]);
    assert.equal(code, 0);
    assert.equal(stderr, "");
    for (const word of [
      "emit <event>",
      "join <room...>",
      "leave <room...>",
      "disconnect [--close]",
      "server-emit <event>",
      "sockets",
      "rooms",
      "count",
      "--redis",
      "REDIS_URL",
      "--key",
      "--nsp",
      "--to",
      "--except",
      "--volatile",
      "--json",
      "--timeout",
      "Exit codes",
    ]) {
      assert.ok(stdout.includes(word), `help mentions ${word}`);
    }
    assert.equal((await sioEmit(["-h"])).stdout, stdout);
    assert.deepEqual(await sioEmit(["--help"], {}, true), { code: 0, stdout, stderr: "" });
  });

  test("emit sends JSON arguments to the selected rooms (REDIS_URL from the environment)", async () => {
    // listening before the CLI runs (the event may come before it exits); the clocks start once it has exited
    const got1 = listen(c1, "hello");
    const { code, stdout, stderr } = await sioEmit([
      "--to",
      "room1",
      "emit",
      "hello",
      '"world"',
      '{"n":1}',
      "--",
      "-2",
    ]);
    assert.deepEqual([code, stdout, stderr], [0, "", ""]);
    assert.deepEqual(await got1.within(DELIVERY_MS), ["world", { n: 1 }, -2]);

    const got2 = listen(c2, "news");
    const seenByC1 = new Recorder(c1);
    assert.equal(
      (await sioEmit(["--redis", redis.url, "--except", "room1", "--volatile", "emit", "news", "[1,2]"])).code,
      0,
    );
    assert.deepEqual(await got2.within(DELIVERY_MS), [[1, 2]]);
    // c1 would have received "news" before this barrier if it had been sent to it
    assert.equal((await sioEmit(["emit", "barrier", '"cli"'])).code, 0);
    assert.deepEqual(await seenByC1.until("cli", DELIVERY_MS), []);
    seenByC1.stop();
  });

  test("--nsp and --key pick the namespace and prefix", async () => {
    const admin = await cluster.client(0, { nsp: "/admin" });
    try {
      const got = listen(admin, "adm");
      assert.equal((await sioEmit(["--nsp", "admin", "--key", "socket.io", "emit", "adm", "true"])).code, 0);
      assert.deepEqual(await got.within(DELIVERY_MS), [true]);
    } finally {
      admin.disconnect();
    }
  });

  test("join / leave change the rooms of the selected sockets", async () => {
    const server = cluster.nodes[1]?.io.of("/").sockets.get(c2.id as string);
    assert.ok(server);
    assert.equal((await sioEmit(["--to", "room2", "join", "vip", "gold"])).code, 0);
    const { stdout } = await sioEmit(["--json", "--to", "vip", "sockets"]);
    assert.deepEqual(
      (JSON.parse(stdout) as Array<{ id: string }>).map((s) => s.id),
      [c2.id],
    );
    assert.ok(server.rooms.has("gold"));
    assert.equal((await sioEmit(["leave", "vip", "gold"])).code, 0);
    assert.equal((await sioEmit(["--to", "vip", "count"])).code, 0);
    const after = await sioEmit(["--json", "--to", "vip", "sockets"]);
    assert.deepEqual(JSON.parse(after.stdout), []);
  });

  test("server-emit reaches the servers' listeners", async () => {
    const onA = listen(cluster.nodes[0]?.io as never, "reload");
    const onB = listen(cluster.nodes[1]?.io as never, "reload");
    assert.equal((await sioEmit(["server-emit", "reload", '{"all":true}'])).code, 0);
    assert.deepEqual(await onA.within(DELIVERY_MS), [{ all: true }]);
    assert.deepEqual(await onB.within(DELIVERY_MS), [{ all: true }]);
  });

  test("sockets / rooms / count print the answer, as JSON with --json", async () => {
    const text = await sioEmit(["sockets"]);
    assert.equal(text.code, 0);
    const lines = text.stdout.trim().split("\n").sort();
    assert.equal(lines.length, 2);
    assert.ok(lines.some((l) => l.startsWith(`${c1.id}\t`) && l.includes("room1") && l.includes('{"user":"ann"}')));

    const json = await sioEmit(["--json", "--to", "room1", "sockets"]);
    const [socket] = JSON.parse(json.stdout) as Array<{
      id: string;
      rooms: string[];
      data: unknown;
      handshake: object;
    }>;
    assert.equal(socket?.id, c1.id);
    assert.deepEqual(socket?.data, { user: "ann" });
    assert.ok(socket?.rooms.includes("room1"));
    assert.ok("headers" in (socket?.handshake ?? {}));

    const rooms = await sioEmit(["rooms"]);
    assert.equal(rooms.code, 0);
    for (const room of ["room1", "room2", c1.id, c2.id]) assert.ok(rooms.stdout.split("\n").includes(room as string));
    const roomsJson = JSON.parse((await sioEmit(["--json", "rooms"])).stdout) as string[];
    assert.ok(roomsJson.includes("room1"));

    assert.deepEqual(await sioEmit(["count"]), { code: 0, stdout: "2\n", stderr: "" });
    assert.deepEqual(await sioEmit(["--json", "count"]), { code: 0, stdout: '{"servers":2}\n', stderr: "" });
    assert.equal((await sioEmit(["--nsp", "/nowhere", "count"])).stdout, "0\n");
  });

  test("works with ioredis too", async () => {
    const env = { SIO_EMIT_CLIENT: "ioredis" };
    assert.deepEqual(await sioEmit(["count"], env), { code: 0, stdout: "2\n", stderr: "" });
    const got = listen(c2, "via-ioredis");
    assert.equal((await sioEmit(["--to", "room2", "emit", "via-ioredis", "1"], env)).code, 0);
    assert.deepEqual(await got.within(DELIVERY_MS), [1]);
    const sockets = JSON.parse((await sioEmit(["--json", "sockets"], env)).stdout) as unknown[];
    assert.equal(sockets.length, 2);
  });

  test("disconnect [--close] disconnects the selected sockets", async () => {
    const d = await cluster.client(1, { rooms: ["kick"] });
    const gone = listen(d, "disconnect");
    assert.equal((await sioEmit(["--to", "kick", "disconnect", "--close"])).code, 0);
    assert.equal((await gone.within(DELIVERY_MS))[0], "io server disconnect");
    assert.equal(c1.connected && c2.connected, true);
  });
});

describe("sio-emit errors: one line on stderr naming the problem, a distinct exit code", () => {
  function assertOneLine(stderr: string, pattern: RegExp): void {
    assert.equal(stderr.split("\n").filter(Boolean).length, 1, `one line: ${JSON.stringify(stderr)}`);
    assert.match(stderr, pattern);
  }

  test("bad JSON: exit 3", async () => {
    const { code, stdout, stderr } = await sioEmit(["emit", "hello", "world"]);
    assert.equal(code, 3);
    assert.equal(stdout, "");
    assertOneLine(stderr, /^sio-emit: argument 2 is not valid JSON: "world"/);
    const second = await sioEmit(["server-emit", "x", "1", "{nope"]);
    assert.equal(second.code, 3);
    assertOneLine(second.stderr, /argument 3 is not valid JSON: "\{nope"/);
  });

  test("unknown flag or command, missing values: exit 2", async () => {
    const flag = await sioEmit(["--frobnicate", "count"]);
    assert.equal(flag.code, 2);
    assertOneLine(flag.stderr, /unknown flag "--frobnicate"/);
    const short = await sioEmit(["-x", "count"]);
    assert.equal(short.code, 2);
    assertOneLine(short.stderr, /unknown flag "-x"/);
    const command = await sioEmit(["explode"]);
    assert.equal(command.code, 2);
    assertOneLine(command.stderr, /unknown command "explode"/);
    const missing = await sioEmit(["--to"]);
    assert.equal(missing.code, 2);
    assertOneLine(missing.stderr, /--to needs a value/);
    const noEvent = await sioEmit(["emit"]);
    assert.equal(noEvent.code, 2);
    assertOneLine(noEvent.stderr, /emit needs an event name/);
    const reserved = await sioEmit(["emit", "disconnect"]);
    assert.equal(reserved.code, 2);
    assertOneLine(reserved.stderr, /"disconnect" is a reserved event name/);
    const serverReserved = await sioEmit(["server-emit", "connection"]);
    assert.equal(serverReserved.code, 2);
    assertOneLine(serverReserved.stderr, /"connection" is a reserved event name/);
  });

  test("unreachable Redis: exit 4, for both client libraries", async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    for (const client of ["redis", "ioredis"]) {
      const { code, stdout, stderr } = await sioEmit(["--redis", url, "emit", "x"], { SIO_EMIT_CLIENT: client });
      assert.equal(code, 4, `${client}: ${stderr}`);
      assert.equal(stdout, "");
      assertOneLine(stderr, new RegExp(`cannot connect to Redis at ${url}: .*ECONNREFUSED`));
    }
  });

  test("a query timeout: exit 5, the partial answer printed", async () => {
    const silent = createClient({ url: redis.url });
    await silent.connect();
    await silent.subscribe("socket.io-request#/#", () => {});
    try {
      // the CLI's clock starts once it is up and has asked; the two live servers (in this process) must answer
      // within it even when the machine is loaded
      const { code, stdout, stderr } = await sioEmit(["--timeout", "1500", "--json", "sockets"]);
      assert.equal(code, 5);
      assert.equal((JSON.parse(stdout) as unknown[]).length, 2);
      assertOneLine(stderr, /fetchSockets request [\w-]+ timed out after 1500 ms: 2 of 3 servers answered/);
    } finally {
      await silent.close();
    }
  });
});
