// What Socket.IO 4.8 asks of an adapter, checked cluster-wide on 3 real servers as a user would see it.
// Registered once per configuration (library, adapter mix, multiplexing mode) by the *.test.ts files.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RedisAdapter } from "@sio-redis/adapter";
import { WAIT_MS } from "@sio-redis/testing";
import type { Socket as ServerSocket } from "socket.io";
import type { Socket as ClientSocket } from "socket.io-client";
import { type Cluster, type ClusterOptions, callback, next, type Recorder, record, until, within } from "./harness.js";

/** What a suite may ask of the cluster it gets; the test file supplies Redis, library and adapters. */
export type SuiteClusterOptions = Partial<
  Pick<ClusterOptions, "clientsPerServer" | "namespaces" | "dynamic" | "serverOptions" | "requestsTimeout">
>;

export type MakeCluster = (opts?: SuiteClusterOptions) => Promise<Cluster>;

/**
 * Per test: a fresh cluster (unique channel prefix), closed afterwards whatever happens. The timeout is a guard
 * against a hung test: its clock starts before the cluster's 3 servers and 6 clients are up, which takes seconds
 * when a file runs its configurations side by side on a loaded 2-core machine.
 */
export function clusterTest(
  make: MakeCluster,
  title: string,
  fn: (cluster: Cluster) => Promise<void>,
  opts: SuiteClusterOptions = {},
): void {
  test(title, { timeout: 60_000 }, async () => {
    const cluster = await make(opts);
    try {
      await fn(cluster);
    } finally {
      await cluster.close();
    }
  });
}

/** "s1c0": client 0 of server 1 (initial clients), for readable assertion diffs. */
export function label(cluster: Cluster, client: ClientSocket): string {
  for (const [s, list] of cluster.clients.entries()) {
    const c = list.indexOf(client);
    if (c >= 0) return `s${s}c${c}`;
  }
  return `extra:${client.id}`;
}

let barriers = 0;

/** The ack timeout of broadcasts every client answers: it ends with the last ack, so it only bounds a slow one. */
const ACKS_MS = 5000;
/**
 * The timeout of a query or broadcast some answer never comes to: within it the others' answers must arrive (on a
 * loaded machine, running every configuration side by side, a round trip through Redis can take a few hundred ms),
 * and every such test waits it out.
 */
export const PARTIAL_MS = 1500;

/**
 * Emits a barrier on `nsp` from server `from` and returns what each recorder got before it, keyed by client
 * label, as `[event, ...args]` lists. Whatever `from` emitted before arrives before its barrier.
 */
export async function received(
  cluster: Cluster,
  recorders: readonly Recorder[],
  from: number,
  nsp = "/",
): Promise<Record<string, unknown[][]>> {
  const id = `b${++barriers}`;
  server(cluster, from).io.of(nsp).emit("barrier", id);
  const all = await Promise.all(recorders.map((r) => r.until(id)));
  return Object.fromEntries(
    recorders.map((r, i) => [label(cluster, r.socket), (all[i] ?? []).map(([ev, args]) => [ev, ...args])]),
  );
}

/** Expected `received()` result: `events` for the clients in `targets`, nothing for the others. */
export function only(
  cluster: Cluster,
  recorders: readonly Recorder[],
  targets: readonly ClientSocket[],
  events: unknown[][],
): Record<string, unknown[][]> {
  return Object.fromEntries(recorders.map((r) => [label(cluster, r.socket), targets.includes(r.socket) ? events : []]));
}

export function server(cluster: Cluster, index: number) {
  const s = cluster.servers[index];
  if (!s) throw new Error(`no server ${index}`);
  return s;
}

export function client(cluster: Cluster, s: number, c: number): ClientSocket {
  const found = cluster.clients[s]?.[c];
  if (!found) throw new Error(`no client ${c} on server ${s}`);
  return found;
}

/** Joins `client` to `rooms` on its server and waits until broadcasts to them from every server reach it. */
export async function join(cluster: Cluster, c: ClientSocket, rooms: string | string[], nsp = "/"): Promise<void> {
  await cluster.join(c, rooms, nsp);
}

export function ids(clients: readonly ClientSocket[]): string[] {
  return clients.map((c) => c.id ?? "").sort();
}

export function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new Error(`not binary: ${typeof value}`);
}

/** Server-side socket ids in `room` on every server (local state, no Redis). */
function localMembers(cluster: Cluster, room: string, nsp = "/"): string[] {
  const out: string[] = [];
  for (const s of cluster.servers) {
    for (const id of s.io.of(nsp).adapter.rooms.get(room) ?? []) out.push(id);
  }
  return out.sort();
}

/** Packets the engine of a server-side socket created (what Socket.IO wrote), with their write options. */
function packets(socket: ServerSocket): Array<{ data: string; compress: boolean }> {
  const out: Array<{ data: string; compress: boolean }> = [];
  socket.conn.on("packetCreate", (packet: { type: string; data?: unknown; options?: { compress?: boolean } }) => {
    if (packet.type === "message" && typeof packet.data === "string") {
      out.push({ data: packet.data, compress: packet.options?.compress !== false });
    }
  });
  return out;
}

/**
 * Why the server-side engine connection of `client` closes: "forced close" when the server closed it
 * (`disconnect(true)`), "transport close" when the client did.
 */
function closeReason(cluster: Cluster, c: ClientSocket): Promise<unknown> {
  return next(cluster.serverSocket(c).socket.conn, "close").then(([reason]) => reason);
}

/** Fails the test on unhandled rejections and uncaught exceptions while `fn` runs. */
async function noProcessErrors(fn: () => Promise<void>): Promise<void> {
  const errors: unknown[] = [];
  const onError = (err: unknown) => errors.push(err);
  process.on("unhandledRejection", onError);
  process.on("uncaughtException", onError);
  try {
    await fn();
  } finally {
    process.off("unhandledRejection", onError);
    process.off("uncaughtException", onError);
  }
  assert.deepEqual(errors, [], "no unhandled errors");
}

/** Features a suite run can leave out (e.g. behaviour that differs between adapters). */
export interface SuiteFeatures {
  /** allSockets() asks the other servers (ours; the official 8.x answers with the local sockets only). */
  clusterAllSockets?: boolean;
  /** Exact official error text of serverSideEmitWithAck timeouts ("timeout reached: only 1 responses ..."). */
  officialTimeoutMessages?: boolean;
  /**
   * Servers whose socketsJoin(r) + to(r).emit() must reach the other servers' sockets (default all). An official
   * sender publishes on the room channel at once, which servers subscribing per room (subscriptionMode: "dynamic")
   * only listen to once they processed the join: a documented limitation of that mode.
   */
  joinThenEmitSenders?: number[];
}

/** Registers everything Socket.IO 4.8 asks of an adapter, cluster-wide, under `describe(name)`. */
export function clusterSuite(name: string, make: MakeCluster, features: SuiteFeatures = {}): void {
  const it = (title: string, fn: (c: Cluster) => Promise<void>, opts?: SuiteClusterOptions) =>
    clusterTest(make, title, fn, opts);

  describe(name, () => {
    describe("broadcast", () => {
      it("io.emit() from each server reaches every client on all 3 servers once, with its arguments", async (c) => {
        const recs = record(c.all);
        for (const s of [0, 1, 2]) {
          server(c, s).io.emit("hello", s, "two", { three: [3] }, null);
          assert.deepEqual(
            await received(c, recs, s),
            only(c, recs, c.all, [["hello", s, "two", { three: [3] }, null]]),
          );
        }
      });

      it("to(room) reaches only the room's members, wherever they are", async (c) => {
        const members = [client(c, 1, 0), client(c, 2, 1)];
        for (const m of members) await join(c, m, "r1");
        await join(c, client(c, 0, 1), "r2");
        const recs = record(c.all);
        for (const s of [0, 1, 2]) {
          server(c, s).io.to("r1").emit("to-r1", s);
          server(c, s).io.in("r1").emit("in-r1", s);
          assert.deepEqual(
            await received(c, recs, s),
            only(c, recs, members, [
              ["to-r1", s],
              ["in-r1", s],
            ]),
          );
        }
      });

      it("except(room) reaches everyone but the room's members; to(a).except(b) the difference", async (c) => {
        const excluded = [client(c, 0, 0), client(c, 2, 0)];
        for (const m of excluded) await join(c, m, "ex");
        await join(c, client(c, 1, 0), ["a", "b"]);
        await join(c, client(c, 2, 1), "a");
        const recs = record(c.all);
        for (const s of [0, 1, 2]) {
          server(c, s).io.except("ex").emit("not-ex");
          assert.deepEqual(
            await received(c, recs, s),
            only(
              c,
              recs,
              c.all.filter((x) => !excluded.includes(x)),
              [["not-ex"]],
            ),
          );
          server(c, s).io.to("a").except("b").emit("a-not-b");
          assert.deepEqual(await received(c, recs, s), only(c, recs, [client(c, 2, 1)], [["a-not-b"]]));
        }
      });

      it("to(socketId) reaches that socket on another server, and only it", async (c) => {
        const recs = record(c.all);
        for (const s of [0, 1, 2]) {
          const target = client(c, (s + 1) % 3, 1);
          server(c, s)
            .io.to(target.id ?? "")
            .emit("private", s);
          assert.deepEqual(await received(c, recs, s), only(c, recs, [target], [["private", s]]));
        }
      });

      it("to([a, b]) and to(a).to(b) reach a client in both rooms once", async (c) => {
        await join(c, client(c, 0, 0), ["a", "b"]);
        await join(c, client(c, 1, 0), "a");
        await join(c, client(c, 2, 0), "b");
        await join(c, client(c, 2, 1), ["a", "b", "c"]);
        const members = [client(c, 0, 0), client(c, 1, 0), client(c, 2, 0), client(c, 2, 1)];
        const recs = record(c.all);
        for (const s of [0, 1, 2]) {
          server(c, s).io.to(["a", "b"]).emit("multi", s);
          server(c, s).io.to("a").to("b").emit("chained", s);
          assert.deepEqual(
            await received(c, recs, s),
            only(c, recs, members, [
              ["multi", s],
              ["chained", s],
            ]),
          );
        }
      });

      it("a broadcast sent from another server right after `await socket.join()` reaches the new member", async (c) => {
        // a member on each server; each joins 10 fresh rooms, each followed at once by a broadcast to that room
        // from one of the other two servers
        const targets = [0, 1, 2].map((s) => client(c, s, 0));
        const recs = record(c.all);
        const expected = new Map<ClientSocket, unknown[][]>(targets.map((t) => [t, []]));
        for (let i = 0; i < 10; i++) {
          for (const [s, target] of targets.entries()) {
            const room = `fresh-${s}-${i}`;
            await c.serverSocket(target).socket.join(room);
            server(c, (s + 1 + (i % 2)) % 3)
              .io.to(room)
              .emit("fresh", room);
            expected.get(target)?.push(["fresh", room]);
          }
        }
        // what a server sent arrives before its own barrier
        const got = await Promise.all([0, 1, 2].map((s) => received(c, recs, s)));
        for (const r of recs) {
          const who = label(c, r.socket);
          const events = got.flatMap((g) => g[who] ?? []).sort((x, y) => String(x[1]).localeCompare(String(y[1])));
          const want = [...(expected.get(r.socket) ?? [])].sort((x, y) => String(x[1]).localeCompare(String(y[1])));
          assert.deepEqual(events, want, `${who}: every broadcast sent after join() resolved`);
        }
      });

      it("room names with '#', '*', spaces and non-ASCII characters work like any other", async (c) => {
        const names = ["a#b", "*", "room with space", "kö-室", "x#"];
        const members = new Map(names.map((n, i) => [n, client(c, (i + 1) % 3, i % 2)]));
        for (const [n, m] of members) await join(c, m, n);
        const recs = record(c.all);
        for (const s of [0, 1, 2]) {
          for (const n of names) {
            server(c, s).io.to(n).emit("named", n);
            assert.deepEqual(
              await received(c, recs, s),
              only(c, recs, [members.get(n) as ClientSocket], [["named", n]]),
            );
          }
        }
      });

      it("io.in(x).socketsJoin(r) then io.to(r).emit() from the same server reaches the remote sockets", async (c) => {
        // (the official adapter applies the join to its own sockets only when its request comes back from Redis,
        // so only sockets of the other servers are checked)
        for (const s of features.joinThenEmitSenders ?? [0, 1, 2]) {
          const remote = c.all.filter(
            (x) => c.serverSocket(x).index !== s && x === client(c, c.serverSocket(x).index, 1),
          );
          for (const x of remote) await join(c, x, `pick-${s}`);
          const recs = record(remote);
          server(c, s).io.in(`pick-${s}`).socketsJoin(`picked-${s}`);
          server(c, s).io.to(`picked-${s}`).emit("welcome", s);
          assert.deepEqual(await received(c, recs, s), only(c, recs, remote, [["welcome", s]]));
        }
      });

      it("volatile: dropped for a client whose connection is busy, delivered to the others", async (c) => {
        const busy = client(c, 1, 0);
        const ws = (busy.io.engine.transport as unknown as { ws: { pause(): void; resume(): void } }).ws;
        const remote = c.serverSocket(busy).socket;
        const created = packets(remote);
        const recs = record(c.all);
        // the client stops reading, so the server cannot finish writing 16 MiB: its transport stays not writable
        ws.pause();
        try {
          remote.emit("filler", Buffer.alloc(16 * 1024 * 1024));
          const busyNote =
            "precondition: the 16 MiB filler keeps the transport busy (unless socket buffers are larger)";
          assert.equal(remote.conn.transport.writable, false, busyNote);
          server(c, 0).io.volatile.emit("volatile", 1);
          server(c, 0).io.emit("after", 2);
          await until(() => created.some((p) => p.data.includes('"after"')), "the busy socket's server to get 'after'");
          assert.equal(remote.conn.transport.writable, false, busyNote);
          assert.deepEqual(
            created.filter((p) => p.data.includes('"volatile"')),
            [],
            "volatile packet not written to the busy socket",
          );
        } finally {
          ws.resume();
        }
        const got = await received(c, recs, 0);
        for (const [who, events] of Object.entries(got)) {
          const names = events.map(([ev]) => ev);
          assert.deepEqual(
            names,
            who === label(c, busy) ? ["filler", "after"] : ["volatile", "after"],
            `events of ${who}`,
          );
        }
      });

      it("compress(false) reaches every server's sockets without compression, plain emits with", async (c) => {
        const written = c.all.map((x) => packets(c.serverSocket(x).socket));
        const recs = record(c.all);
        for (const s of [0, 1, 2]) {
          server(c, s).io.compress(false).emit("uncompressed", s);
          server(c, s).io.emit("compressed", s);
          assert.deepEqual(
            await received(c, recs, s),
            only(c, recs, c.all, [
              ["uncompressed", s],
              ["compressed", s],
            ]),
          );
        }
        for (const [i, list] of written.entries()) {
          const flags = list
            .filter((p) => p.data.includes("compressed"))
            .map((p) => `${p.data.includes("uncompressed") ? "uncompressed" : "compressed"}:${p.compress}`);
          assert.deepEqual(
            flags,
            [0, 1, 2].flatMap(() => ["uncompressed:false", "compressed:true"]),
            `client ${label(c, c.all[i] as ClientSocket)}`,
          );
        }
      });

      it("local stays on the emitting server", async (c) => {
        await join(c, client(c, 0, 0), "r");
        await join(c, client(c, 1, 0), "r");
        const recs = record(c.all);
        for (const s of [0, 1, 2]) {
          server(c, s).io.local.emit("local", s);
          assert.deepEqual(await received(c, recs, s), only(c, recs, c.clients[s] ?? [], [["local", s]]));
        }
        server(c, 1).io.local.to("r").emit("local-room");
        assert.deepEqual(await received(c, recs, 1), only(c, recs, [client(c, 1, 0)], [["local-room"]]));
      });

      it("binary payloads arrive intact on every server", async (c) => {
        const small = Buffer.from([0, 1, 2, 127, 128, 255]);
        const large = Buffer.alloc(100_000, 0);
        for (let i = 0; i < large.length; i++) large[i] = (i * 31 + 7) % 256;
        const recs = record(c.all);
        for (const s of [0, 1, 2]) {
          server(c, s).io.emit("binary", small, { nested: [large, "text"] });
          const got = await received(c, recs, s);
          for (const [who, events] of Object.entries(got)) {
            assert.equal(events.length, 1, `${who} got one event`);
            const [ev, a, b] = events[0] as [string, unknown, { nested: [unknown, string] }];
            assert.equal(ev, "binary");
            assert.deepEqual(toBuffer(a), small, `${who}: small buffer`);
            assert.ok(toBuffer(b.nested[0]).equals(large), `${who}: large buffer`);
            assert.equal(b.nested[1], "text");
          }
        }
      });

      it("socket.broadcast and socket.to(room) exclude the sender", async (c) => {
        const sender = client(c, 1, 0);
        const inRoom = [client(c, 0, 1), sender, client(c, 2, 0)];
        for (const m of inRoom) await join(c, m, "grp");
        const socket = c.serverSocket(sender).socket;
        socket.on("shout", (cb: () => void) => {
          socket.broadcast.emit("shouted", socket.id);
          socket.to("grp").emit("grouped");
          cb();
        });
        const recs = record(c.all);
        await within(sender.emitWithAck("shout"), "shout ack");
        const got = await received(c, recs, 1);
        for (const r of recs) {
          const expected = r.socket === sender ? [] : [["shouted", sender.id]];
          if (r.socket !== sender && inRoom.includes(r.socket)) expected.push(["grouped"]);
          assert.deepEqual(got[label(c, r.socket)], expected, label(c, r.socket));
        }
      });
    });

    describe("broadcast with acknowledgements", () => {
      const answer = (c: Cluster) => {
        for (const x of c.all) x.on("ask", (n: number, cb: (reply: unknown) => void) => cb(`${x.id}:${n}`));
      };

      it("io.timeout().emit(cb) collects one ack per client from every server", async (c) => {
        answer(c);
        for (const s of [0, 1, 2]) {
          const [err, responses] = await callback<unknown[]>(
            (cb) => server(c, s).io.timeout(ACKS_MS).emit("ask", s, cb),
            `acks for server ${s}`,
          );
          assert.equal(err, null);
          assert.deepEqual([...responses].sort(), c.all.map((x) => `${x.id}:${s}`).sort());
        }
      });

      it("emitWithAck() to a room collects the members' acks only; binary acks survive", async (c) => {
        const members = [client(c, 0, 1), client(c, 1, 0), client(c, 2, 1)];
        for (const m of members) await join(c, m, "ackers");
        answer(c);
        const bin = client(c, 2, 0);
        await join(c, bin, "bin");
        bin.off("ask");
        bin.on("ask", (_n: number, cb: (reply: unknown) => void) => cb(Buffer.from([9, 8, 7])));
        for (const s of [0, 1, 2]) {
          const responses = await within(server(c, s).io.to("ackers").timeout(ACKS_MS).emitWithAck("ask", s), "acks");
          assert.deepEqual([...responses].sort(), members.map((x) => `${x.id}:${s}`).sort());
          const binary = await within(server(c, s).io.to("bin").timeout(ACKS_MS).emitWithAck("ask", s), "binary ack");
          assert.equal(binary.length, 1);
          assert.deepEqual(toBuffer(binary[0]), Buffer.from([9, 8, 7]));
        }
      });

      it("a client that does not ack makes the broadcast time out with the other acks", async (c) => {
        answer(c);
        const silent = client(c, 2, 1);
        silent.off("ask");
        silent.on("ask", () => {});
        const started = Date.now();
        const [err, responses] = await callback<unknown[]>(
          (cb) => server(c, 0).io.timeout(PARTIAL_MS).emit("ask", 0, cb),
          "acks with one silent client",
        );
        const elapsed = Date.now() - started;
        assert.ok(err instanceof Error, "an error");
        assert.equal(err.message, "operation has timed out");
        assert.deepEqual(
          [...responses].sort(),
          c.all
            .filter((x) => x !== silent)
            .map((x) => `${x.id}:0`)
            .sort(),
        );
        assert.ok(elapsed >= PARTIAL_MS - 50 && elapsed < PARTIAL_MS + 3000, `timed out after ${elapsed} ms`);
        await assert.rejects(server(c, 1).io.timeout(300).emitWithAck("ask", 1), /operation has timed out/);
      });

      it("emitWithAck() to an empty room resolves [] as soon as every server reported no client", async (c) => {
        for (const s of [0, 1, 2]) {
          const started = Date.now();
          const responses = await within(server(c, s).io.to("nobody").timeout(1500).emitWithAck("ask"), "no acks");
          assert.deepEqual(responses, []);
          assert.ok(Date.now() - started < 1000, `resolved after ${Date.now() - started} ms, not at the timeout`);
        }
      });
    });

    describe("fetchSockets", () => {
      it("io.fetchSockets() from each server returns every socket with id, rooms, data and handshake", async (c) => {
        await join(c, client(c, 2, 0), "fetched");
        for (const s of [0, 1, 2]) {
          const sockets = await within(server(c, s).io.fetchSockets(), "fetchSockets");
          assert.deepEqual(sockets.map((x) => x.id).sort(), ids(c.all));
          for (const x of sockets) {
            const [owner, n] = (() => {
              for (const [i, list] of c.clients.entries()) {
                const j = list.findIndex((y) => y.id === x.id);
                if (j >= 0) return [i, j];
              }
              return [-1, -1];
            })();
            assert.deepEqual(x.data, { server: owner, client: n }, `data of ${x.id}`);
            assert.deepEqual(x.handshake.auth, { rooms: [], data: { server: owner, client: n } });
            assert.match(x.handshake.address, /127\.0\.0\.1/);
            assert.equal(typeof x.handshake.headers, "object");
            assert.equal(x.handshake.secure, false);
            const rooms = [...x.rooms].sort();
            const expected = x.id === client(c, 2, 0).id ? [x.id, "fetched"].sort() : [x.id];
            assert.deepEqual(rooms, expected, `rooms of ${x.id}`);
          }
        }
      });

      it("in(room) / except(room) fetchSockets() select across servers", async (c) => {
        const members = [client(c, 0, 0), client(c, 1, 1), client(c, 2, 1)];
        for (const m of members) await join(c, m, "sel");
        for (const s of [0, 1, 2]) {
          const inRoom = await within(server(c, s).io.in("sel").fetchSockets(), "in(sel)");
          assert.deepEqual(inRoom.map((x) => x.id).sort(), ids(members));
          const others = await within(server(c, s).io.except("sel").fetchSockets(), "except(sel)");
          assert.deepEqual(others.map((x) => x.id).sort(), ids(c.all.filter((x) => !members.includes(x))));
          assert.deepEqual(await within(server(c, s).io.in("none").fetchSockets(), "in(none)"), []);
        }
      });

      it("RemoteSocket.emit() of a socket on another server reaches only that client", async (c) => {
        const recs = record(c.all);
        for (const s of [0, 1, 2]) {
          const target = client(c, (s + 2) % 3, 0);
          const [remote] = await within(
            server(c, s)
              .io.in(target.id ?? "")
              .fetchSockets(),
            "fetch one",
          );
          assert.ok(remote, "fetched");
          remote.emit("direct", s, { ok: true });
          assert.deepEqual(await received(c, recs, s), only(c, recs, [target], [["direct", s, { ok: true }]]));
        }
      });

      it("RemoteSocket.join() / leave() change a remote socket's rooms", async (c) => {
        const target = client(c, 1, 1);
        const [remote] = await within(
          server(c, 0)
            .io.in(target.id ?? "")
            .fetchSockets(),
          "fetch one",
        );
        assert.ok(remote);
        remote.join(["j1", "j2"]);
        await until(
          async () => (await server(c, 0).io.in("j2").fetchSockets()).some((x) => x.id === target.id),
          "the remote socket in j2",
        );
        assert.deepEqual(localMembers(c, "j1"), [target.id]);
        await c.settle(target, "j1");
        const recs = record(c.all);
        server(c, 2).io.to("j1").emit("joined");
        assert.deepEqual(await received(c, recs, 2), only(c, recs, [target], [["joined"]]));
        remote.leave("j1");
        await until(() => localMembers(c, "j1").length === 0, "the remote socket to leave j1");
        assert.deepEqual(localMembers(c, "j2"), [target.id]);
        server(c, 2).io.to("j1").emit("left");
        assert.deepEqual(await received(c, recs, 2), only(c, recs, [], []));
      });

      it("RemoteSocket.disconnect() disconnects a client on another server (and closes it with true)", async (c) => {
        const a = client(c, 1, 0);
        const b = client(c, 2, 0);
        const fetched = await within(server(c, 0).io.fetchSockets(), "fetchSockets");
        const gone = [next(a, "disconnect"), next(b, "disconnect")];
        const closed = [closeReason(c, a), closeReason(c, b)];
        fetched.find((x) => x.id === a.id)?.disconnect();
        fetched.find((x) => x.id === b.id)?.disconnect(true);
        assert.deepEqual(
          (await Promise.all(gone)).map(([r]) => r),
          ["io server disconnect", "io server disconnect"],
        );
        assert.deepEqual(await Promise.all(closed), ["transport close", "forced close"]);
        const left = await within(server(c, 0).io.fetchSockets(), "fetchSockets after");
        assert.deepEqual(left.map((x) => x.id).sort(), ids(c.all.filter((x) => x !== a && x !== b)));
      });
    });

    describe("socket management", () => {
      it("io.socketsJoin(room) makes every socket of every server join", async (c) => {
        server(c, 1).io.socketsJoin("everyone");
        await until(() => localMembers(c, "everyone").length === c.all.length, "every socket in 'everyone'");
        assert.deepEqual(localMembers(c, "everyone"), ids(c.all));
        for (const x of c.all) await c.settle(x, "everyone");
        const recs = record(c.all);
        server(c, 2).io.to("everyone").emit("all-joined");
        assert.deepEqual(await received(c, recs, 2), only(c, recs, c.all, [["all-joined"]]));
      });

      it("in(r1).socketsJoin(r2) / except() select the sockets on every server", async (c) => {
        const members = [client(c, 0, 0), client(c, 2, 1)];
        for (const m of members) await join(c, m, "r1");
        server(c, 1).io.in("r1").socketsJoin(["r2", "r3"]);
        server(c, 1).io.except("r1").socketsJoin("not-r1");
        // a later request is handled after the join on every server
        await until(async () => (await server(c, 1).io.in("r3").fetchSockets()).length === 2, "both members in r3");
        const inR2 = await within(server(c, 1).io.in("r2").fetchSockets(), "fetch r2");
        assert.deepEqual(inR2.map((x) => x.id).sort(), ids(members));
        await until(() => localMembers(c, "not-r1").length === c.all.length - 2, "the others in not-r1");
        assert.deepEqual(localMembers(c, "not-r1"), ids(c.all.filter((x) => !members.includes(x))));
      });

      it("socketsLeave() removes the selected sockets on every server", async (c) => {
        const members = [client(c, 0, 1), client(c, 1, 1), client(c, 2, 0)];
        for (const m of members) await join(c, m, ["lv", "stay"]);
        server(c, 0)
          .io.in(client(c, 1, 1).id ?? "")
          .socketsLeave("lv");
        await until(() => localMembers(c, "lv").length === 2, "one socket to leave lv");
        assert.deepEqual(localMembers(c, "lv"), ids([client(c, 0, 1), client(c, 2, 0)]));
        server(c, 2).io.socketsLeave("lv");
        await until(() => localMembers(c, "lv").length === 0, "everyone to leave lv");
        assert.deepEqual(localMembers(c, "stay"), ids(members));
        const recs = record(c.all);
        server(c, 0).io.to("lv").emit("nobody-left");
        assert.deepEqual(await received(c, recs, 0), only(c, recs, [], []));
      });

      it("in(room).disconnectSockets() disconnects the members on every server and no one else", async (c) => {
        const members = [client(c, 0, 1), client(c, 1, 0), client(c, 2, 1)];
        for (const m of members.slice(0, 2)) await join(c, m, "dc");
        await join(c, client(c, 2, 1), "dc-close");
        const reasons = members.map((m) => next(m, "disconnect"));
        const closed = members.map((m) => closeReason(c, m));
        server(c, 2).io.in("dc").disconnectSockets();
        server(c, 0).io.in("dc-close").disconnectSockets(true);
        assert.deepEqual(
          (await Promise.all(reasons)).map(([r]) => r),
          ["io server disconnect", "io server disconnect", "io server disconnect"],
        );
        // with `true` the server closes the connection itself; otherwise the client does, once disconnected
        assert.deepEqual(await Promise.all(closed), ["transport close", "transport close", "forced close"]);
        const rest = c.all.filter((x) => !members.includes(x));
        const recs = record(rest);
        for (const s of [0, 1, 2]) {
          server(c, s).io.emit("still-here");
          assert.deepEqual(await received(c, recs, s), only(c, recs, rest, [["still-here"]]));
        }
        assert.ok(
          rest.every((x) => x.connected),
          "the others stay connected",
        );
      });
    });

    describe("server-side", () => {
      it("serverSideEmit() reaches the other servers, not the sender", async (c) => {
        const got: unknown[][][] = c.servers.map(() => []);
        for (const s of c.servers) s.io.on("peers", (...args: unknown[]) => got[s.index]?.push(args));
        const marks: number[] = c.servers.map(() => 0);
        for (const s of c.servers) s.io.on("mark", () => (marks[s.index] = (marks[s.index] ?? 0) + 1));
        for (const s of [0, 1, 2]) {
          for (const g of got) g.length = 0;
          server(c, s).io.serverSideEmit("peers", s, "x", { y: [1] });
          const others = [0, 1, 2].filter((i) => i !== s);
          await until(() => others.every((i) => got[i]?.length === 1), "the other servers");
          // anything the sender would get from its own emit arrives before a later emit of another server
          const marker = others[0] as number;
          const before = marks[s] as number;
          server(c, marker).io.serverSideEmit("mark");
          await until(() => (marks[s] as number) > before, "the marker");
          assert.deepEqual(got[s], [], `server ${s} did not get its own emit`);
          for (const i of others) assert.deepEqual(got[i], [[s, "x", { y: [1] }]]);
        }
      });

      it("serverSideEmit() with an ack callback gets one reply per other server", async (c) => {
        for (const s of c.servers) {
          s.io.on("question", (n: number, cb: (reply: unknown) => void) => cb(`server ${s.index}: ${n}`));
        }
        for (const s of [0, 1, 2]) {
          const [err, replies] = await callback<unknown[]>(
            (cb) => server(c, s).io.serverSideEmit("question", s, cb),
            "serverSideEmit ack",
          );
          assert.equal(err, null);
          const others = [0, 1, 2].filter((i) => i !== s);
          assert.deepEqual([...replies].sort(), others.map((i) => `server ${i}: ${s}`).sort());
        }
      });

      it("serverSideEmitWithAck() resolves one reply per other server", async (c) => {
        for (const s of c.servers) s.io.on("question", (cb: (reply: unknown) => void) => cb({ from: s.index }));
        for (const s of [0, 1, 2]) {
          const replies = await within(server(c, s).io.serverSideEmitWithAck("question"), "serverSideEmitWithAck");
          const others = [0, 1, 2].filter((i) => i !== s).map((i) => ({ from: i }));
          assert.deepEqual(
            [...(replies as Array<{ from: number }>)].sort((x, y) => x.from - y.from),
            others,
          );
        }
      });

      it(
        "serverSideEmitWithAck() rejects with the replies it got when a server does not answer",
        async (c) => {
          for (const s of c.servers) {
            s.io.on("question", (cb: (reply: unknown) => void) => {
              if (s.index !== 2) cb(s.index);
            });
          }
          const started = Date.now();
          const err = await within(
            server(c, 0)
              .io.serverSideEmitWithAck("question")
              .then(
                () => assert.fail("resolved"),
                (e: unknown) => e as Error & { responses?: unknown[] },
              ),
            "the rejection",
          );
          const elapsed = Date.now() - started;
          assert.ok(err instanceof Error);
          assert.deepEqual(err.responses, [1]);
          if (features.officialTimeoutMessages) {
            assert.equal(err.message, "timeout reached: only 1 responses received out of 2");
          }
          assert.ok(
            elapsed >= PARTIAL_MS - 50 && elapsed < PARTIAL_MS + 3000,
            `rejected after ${elapsed} ms (requestsTimeout ${PARTIAL_MS})`,
          );
        },
        { requestsTimeout: PARTIAL_MS },
      );

      it("adapter.serverCount() is 3 on every server, and 2 once one server closed", async (c) => {
        for (const s of c.servers) assert.equal(await s.io.of("/").adapter.serverCount(), 3);
        await within(new Promise<void>((resolve) => server(c, 2).io.close(() => resolve())), "io.close()");
        for (const s of [0, 1]) {
          await until(async () => (await server(c, s).io.of("/").adapter.serverCount()) === 2, "serverCount 2");
        }
      });

      it("io.allSockets() and io.in(room).allSockets() return the sockets of all servers", async (c) => {
        const members = [client(c, 0, 1), client(c, 1, 0), client(c, 2, 0)];
        for (const m of members) await join(c, m, "everywhere");
        const asking = c.servers.filter((s) => s.kind.ours).map((s) => s.index);
        if (!features.clusterAllSockets || asking.length === 0) {
          // @socket.io/redis-adapter 8 removed sockets(): allSockets() is local there
          for (const s of [0, 1, 2]) {
            if (asking.includes(s)) continue;
            assert.deepEqual([...(await server(c, s).io.allSockets())].sort(), ids(c.clients[s] ?? []));
          }
          return;
        }
        for (const s of asking) {
          assert.deepEqual([...(await server(c, s).io.allSockets())].sort(), ids(c.all));
          assert.deepEqual([...(await server(c, s).io.in("everywhere").allSockets())].sort(), ids(members));
        }
      });
    });

    describe("namespaces", () => {
      it(
        "dynamic namespaces broadcast across servers, to the namespace only",
        async (c) => {
          const dyn = await Promise.all([0, 1, 2].map((s) => c.connect(s, { nsp: "/dyn-1", rooms: ["d"] })));
          await c.ready("/dyn-1", dyn);
          const recs = record([...dyn, ...c.all]);
          for (const s of [0, 1, 2]) {
            server(c, s).io.of("/dyn-1").emit("dyn", s);
            server(c, s).io.of("/dyn-1").to("d").emit("dyn-room", s);
            const got = await Promise.all([received(c, recs.slice(0, 3), s, "/dyn-1"), received(c, recs.slice(3), s)]);
            for (const events of Object.values(got[0])) {
              assert.deepEqual(events, [
                ["dyn", s],
                ["dyn-room", s],
              ]);
            }
            assert.deepEqual(got[1], only(c, recs.slice(3), [], []));
          }
          // a broadcast through the parent namespace reaches the children's clients on the other servers
          server(c, 0).parent?.emit("from-parent");
          for (const events of Object.values(await received(c, recs.slice(0, 3), 0, "/dyn-1"))) {
            assert.deepEqual(events, [["from-parent"]]);
          }
        },
        { dynamic: /^\/dyn-\d+$/ },
      );

      it(
        "a second namespace is isolated from '/', rooms of the same name included",
        async (c) => {
          const other = await Promise.all([0, 1, 2].map((s) => c.connect(s, { nsp: "/other", rooms: ["same"] })));
          await c.ready("/other", other);
          await join(c, client(c, 1, 0), "same");
          const main = record(c.all);
          const second = record(other);
          for (const s of [0, 1, 2]) {
            server(c, s).io.emit("main");
            server(c, s).io.to("same").emit("main-same");
            server(c, s).io.of("/other").emit("other");
            server(c, s).io.of("/other").to("same").emit("other-same");
            const [a, b] = await Promise.all([received(c, main, s), received(c, second, s, "/other")]);
            for (const r of main) {
              const expected = r.socket === client(c, 1, 0) ? [["main"], ["main-same"]] : [["main"]];
              assert.deepEqual(a[label(c, r.socket)], expected);
            }
            for (const events of Object.values(b)) assert.deepEqual(events, [["other"], ["other-same"]]);
          }
          const fetched = await within(server(c, 0).io.of("/other").fetchSockets(), "fetch /other");
          assert.deepEqual(fetched.map((x) => x.id).sort(), ids(other));
        },
        { namespaces: ["/", "/other"] },
      );

      it(
        "cleanupEmptyChildNamespaces: the last socket leaving closes the adapter and its subscriptions",
        async (c) => {
          await noProcessErrors(async () => {
            const baseline = await Promise.all(c.servers.map((s) => c.admin.subscriptions(s.subName)));
            const dyn = await Promise.all([0, 1, 2].map((s) => c.connect(s, { nsp: "/dyn-7", rooms: ["dr"] })));
            await c.ready("/dyn-7", dyn);
            assert.ok((await c.admin.channels(`${c.key}*/dyn-7#*`)).length > 0, "subscribed to /dyn-7 channels");
            const gone = dyn.map((x) => next(x, "disconnect"));
            for (const x of dyn) x.disconnect();
            await Promise.all(gone);
            await until(
              () => c.servers.every((s) => !s.io._nsps.has("/dyn-7")),
              "every server to drop its /dyn-7 namespace",
            );
            await until(
              async () => (await c.admin.channels(`${c.key}*/dyn-7#*`)).length === 0,
              "no /dyn-7 channel left in Redis",
            );
            await until(async () => {
              const now = await Promise.all(c.servers.map((s) => c.admin.subscriptions(s.subName)));
              return JSON.stringify(now) === JSON.stringify(baseline);
            }, "each sub connection back to its subscriptions before /dyn-7");
            // the namespace comes back and works again
            const again = await Promise.all([0, 1, 2].map((s) => c.connect(s, { nsp: "/dyn-7" })));
            await c.ready("/dyn-7", again);
            const recs = record(again);
            server(c, 1).io.of("/dyn-7").emit("back");
            for (const events of Object.values(await received(c, recs, 1, "/dyn-7"))) {
              assert.deepEqual(events, [["back"]]);
            }
            // "/" was never affected
            const main = record(c.all);
            server(c, 2).io.emit("main");
            assert.deepEqual(await received(c, main, 2), only(c, main, c.all, [["main"]]));
          });
        },
        { dynamic: /^\/dyn-\d+$/, serverOptions: { cleanupEmptyChildNamespaces: true } },
      );
    });

    describe("close", () => {
      it(
        "io.close() leaves no subscription of the cluster in Redis",
        async (c) => {
          await noProcessErrors(async () => {
            const other = await Promise.all([0, 1, 2].map((s) => c.connect(s, { nsp: "/other", rooms: ["o"] })));
            await c.ready("/other", other);
            for (const x of c.all) await join(c, x, ["room-a", "room-b"]);
            assert.ok((await c.admin.channels(`${c.key}*`)).length > 0, "subscribed before");
            for (const s of c.servers) {
              await within(new Promise<void>((resolve) => s.io.close(() => resolve())), `io.close() of ${s.index}`);
            }
            await until(async () => (await c.admin.channels(`${c.key}*`)).length === 0, "no channel of the cluster");
            for (const s of c.servers) {
              assert.deepEqual(await c.admin.subscriptions(s.subName), { sub: 0, psub: 0 }, `${s.subName}`);
            }
            assert.equal(await c.admin.numsub(`${c.key}-request#/#`), 0);
          });
        },
        { namespaces: ["/", "/other"] },
      );
    });
  });
}

/** Our adapter of namespace `nsp` on server `index`. */
export function adapterOf(cluster: Cluster, index: number, nsp = "/"): RedisAdapter {
  const adapter = server(cluster, index).io.of(nsp).adapter;
  assert.ok(adapter instanceof RedisAdapter, `server ${index} runs @sio-redis/adapter`);
  return adapter;
}

/** Rejection of `promise` within `ms`, with how long it took. */
async function rejection(promise: Promise<unknown> | undefined, what: string, ms = WAIT_MS): Promise<[Error, number]> {
  const started = Date.now();
  const err = await within(
    Promise.resolve(promise).then(
      () => assert.fail(`${what} resolved`),
      (e: unknown) => e,
    ),
    what,
    ms,
  );
  assert.ok(err instanceof Error, `${what} rejects with an Error`);
  return [err, Date.now() - started];
}

/**
 * The socket.io-redis (seed) API of @sio-redis/adapter, with callbacks and promises, and its extras: counters
 * and what `subscriptionMode: "dynamic"` promises about subscriptions.
 */
export function seedApiSuite(name: string, make: MakeCluster, mode: { multiplexing: boolean }): void {
  const it = (title: string, fn: (c: Cluster) => Promise<void>, opts?: SuiteClusterOptions) =>
    clusterTest(make, title, fn, opts);

  describe(name, () => {
    it("uid, prefix, clients and requestsTimeout are exposed", async (c) => {
      const adapters = [0, 1, 2].map((i) => adapterOf(c, i));
      assert.equal(new Set(adapters.map((a) => a.uid)).size, 3, "one uid per server");
      for (const [i, a] of adapters.entries()) {
        assert.match(a.uid, /^[A-Za-z0-9]{6}$/);
        assert.equal(a.prefix, c.key);
        assert.equal(a.pubClient, server(c, i).redis.pub);
        assert.equal(a.subClient, server(c, i).redis.sub);
        assert.equal(a.requestsTimeout, 1000);
      }
    });

    it("clients() lists the sockets of every server, of some rooms, by callback and by promise", async (c) => {
      const inA = [client(c, 0, 0), client(c, 2, 1)];
      const inB = [client(c, 1, 1), client(c, 2, 1)];
      for (const x of inA) await join(c, x, "a");
      for (const x of inB) await join(c, x, "b");
      for (const s of [0, 1, 2]) {
        const adapter = adapterOf(c, s);
        assert.deepEqual([...((await adapter.clients()) ?? [])].sort(), ids(c.all));
        assert.deepEqual([...((await adapter.clients([])) ?? [])].sort(), ids(c.all));
        assert.deepEqual([...((await adapter.clients(["a"])) ?? [])].sort(), ids(inA));
        const union = [...new Set([...inA, ...inB])];
        const both = (await adapter.clients(["a", "b"])) ?? [];
        assert.equal(both.length, union.length, "a socket in both rooms is listed once");
        assert.deepEqual([...both].sort(), ids(union));
        assert.deepEqual(await adapter.clients(["nobody"]), []);
        const [err, viaCb] = await callback<string[] | undefined>((cb) => adapter.clients(["b"], cb), "clients(cb)");
        assert.equal(err, null);
        assert.deepEqual([...(viaCb ?? [])].sort(), ids(inB));
        const [err2, all] = await callback<string[] | undefined>((cb) => adapter.clients(cb), "clients(cb) alone");
        assert.equal(err2, null);
        assert.deepEqual([...(all ?? [])].sort(), ids(c.all));
      }
    });

    it("clientRooms() gives a remote socket's rooms; an unknown id fails fast, naming who answered", async (c) => {
      const target = client(c, 2, 0);
      await join(c, target, ["x", "y"]);
      const adapter = adapterOf(c, 0);
      assert.deepEqual([...((await adapter.clientRooms(target.id ?? "")) ?? [])].sort(), [target.id, "x", "y"].sort());
      const [err, rooms] = await callback<Array<string | number> | undefined>(
        (cb) => adapter.clientRooms(client(c, 0, 1).id ?? "", cb),
        "clientRooms(cb) of a local socket",
      );
      assert.equal(err, null);
      assert.deepEqual(rooms, [client(c, 0, 1).id]);
      const [unknown, elapsed] = await rejection(adapter.clientRooms("no-such-socket"), "clientRooms(unknown)");
      assert.match(unknown.message, /clientRooms/);
      assert.match(unknown.message, /no-such-socket/);
      assert.match(unknown.message, /\b2 of 2\b/);
      assert.ok(elapsed < adapter.requestsTimeout / 2, `failed after ${elapsed} ms, not at the timeout`);
      const [cbErr] = await callback<unknown>((cb) => adapter.clientRooms("no-such-socket", cb), "clientRooms(cb)");
      assert.ok(cbErr instanceof Error);
      assert.match(cbErr.message, /clientRooms/);
    });

    it("allRooms() gathers every server's rooms (socket ids included), by promise and by callback", async (c) => {
      await join(c, client(c, 0, 0), "r0");
      await join(c, client(c, 1, 1), "r1");
      await join(c, client(c, 2, 0), ["r2", "shared"]);
      await join(c, client(c, 0, 1), "shared");
      const expected = [...ids(c.all), "r0", "r1", "r2", "shared"].sort();
      for (const s of [0, 1, 2]) {
        const rooms = await adapterOf(c, s).allRooms();
        assert.ok(rooms instanceof Set);
        assert.deepEqual([...rooms].sort(), expected);
        const [err, viaCb] = await callback<Iterable<string | number> | undefined>(
          (cb) => adapterOf(c, s).allRooms(cb),
          "allRooms(cb)",
        );
        assert.equal(err, null);
        assert.deepEqual([...(viaCb ?? [])].sort(), expected);
      }
    });

    it("remoteJoin() / remoteLeave() act on a socket of another server and settle once done", async (c) => {
      const target = client(c, 1, 0);
      const adapter = adapterOf(c, 0);
      await adapter.remoteJoin(target.id ?? "", "rj");
      // settled means joined on its server
      assert.deepEqual(localMembers(c, "rj"), [target.id]);
      await c.settle(target, "rj");
      const recs = record(c.all);
      server(c, 2).io.to("rj").emit("in-rj");
      assert.deepEqual(await received(c, recs, 2), only(c, recs, [target], [["in-rj"]]));
      const [err] = await callback<unknown>(
        (cb) => adapter.remoteJoin(client(c, 2, 1).id ?? "", "rj2", cb),
        "remoteJoin(cb)",
      );
      assert.equal(err, null);
      assert.deepEqual(localMembers(c, "rj2"), [client(c, 2, 1).id]);
      await adapter.remoteLeave(target.id ?? "", "rj");
      assert.deepEqual(localMembers(c, "rj"), []);
      const [err2] = await callback<unknown>(
        (cb) => adapter.remoteLeave(client(c, 2, 1).id ?? "", "rj2", cb),
        "remoteLeave(cb)",
      );
      assert.equal(err2, null);
      assert.deepEqual(localMembers(c, "rj2"), []);
      // a local socket too
      await adapter.remoteJoin(client(c, 0, 0).id ?? "", "local-rj");
      assert.deepEqual(localMembers(c, "local-rj"), [client(c, 0, 0).id]);
    });

    it("remoteJoin() / remoteLeave() / remoteDisconnect() of an unknown id fail fast", async (c) => {
      const adapter = adapterOf(c, 1);
      for (const [what, call] of [
        ["remoteJoin", () => adapter.remoteJoin("ghost", "room")],
        ["remoteLeave", () => adapter.remoteLeave("ghost", "room")],
        ["remoteDisconnect", () => adapter.remoteDisconnect("ghost", false)],
      ] as const) {
        const [err, elapsed] = await rejection(call(), `${what}(unknown)`);
        assert.match(err.message, new RegExp(what));
        assert.match(err.message, /ghost/);
        assert.match(err.message, /\b2 of 2\b/);
        assert.ok(elapsed < adapter.requestsTimeout / 2, `${what} failed after ${elapsed} ms`);
      }
      const [err] = await callback<unknown>(
        (cb) => adapter.remoteDisconnect("ghost", true, cb),
        "remoteDisconnect(cb)",
      );
      assert.ok(err instanceof Error);
      assert.match(err.message, /remoteDisconnect/);
    });

    it("remoteDisconnect() disconnects a socket of another server, closing it with true", async (c) => {
      const a = client(c, 1, 0);
      const b = client(c, 2, 1);
      const gone = [next(a, "disconnect"), next(b, "disconnect")];
      const closed = [closeReason(c, a), closeReason(c, b)];
      await adapterOf(c, 0).remoteDisconnect(a.id ?? "", false);
      const [err] = await callback<unknown>(
        (cb) => adapterOf(c, 0).remoteDisconnect(b.id ?? "", true, cb),
        "remoteDisconnect(cb)",
      );
      assert.equal(err, null);
      assert.deepEqual(
        (await Promise.all(gone)).map(([r]) => r),
        ["io server disconnect", "io server disconnect"],
      );
      assert.deepEqual(await Promise.all(closed), ["transport close", "forced close"]);
      assert.deepEqual(
        [...((await adapterOf(c, 0).clients()) ?? [])].sort(),
        ids(c.all.filter((x) => x !== a && x !== b)),
      );
    });

    it("customRequest() collects every server's customHook reply, the requester's first", async (c) => {
      assert.deepEqual(await adapterOf(c, 0).customRequest("anything"), [null, null, null], "default hooks reply null");
      for (const s of c.servers) {
        adapterOf(c, s.index).customHook = (data, reply) => reply({ server: s.index, echo: data });
      }
      for (const s of [0, 1, 2]) {
        const replies = (await adapterOf(c, s).customRequest({ ask: s })) as Array<{ server: number; echo: unknown }>;
        assert.equal(replies.length, 3);
        assert.deepEqual(replies[0], { server: s, echo: { ask: s } });
        assert.deepEqual(
          [...replies].sort((x, y) => x.server - y.server),
          [0, 1, 2].map((i) => ({ server: i, echo: { ask: s } })),
        );
        const [err, viaCb] = await callback<unknown[] | undefined>(
          (cb) => adapterOf(c, s).customRequest("cb", cb),
          "customRequest(cb)",
        );
        assert.equal(err, null);
        assert.equal(viaCb?.length, 3);
      }
    });

    it(
      "customRequest() fails at requestsTimeout naming how many servers answered when a hook stays silent",
      async (c) => {
        for (const s of [0, 1]) adapterOf(c, s).customHook = (_data, reply) => reply(`from ${s}`);
        adapterOf(c, 2).customHook = () => {};
        const [err, elapsed] = await rejection(adapterOf(c, 0).customRequest("q"), "customRequest with a silent hook");
        assert.match(err.message, /customRequest/);
        assert.match(err.message, /\b1 of 2\b/);
        assert.ok(
          elapsed >= PARTIAL_MS - 50 && elapsed < PARTIAL_MS + 3000,
          `failed after ${elapsed} ms (requestsTimeout ${PARTIAL_MS})`,
        );
        assert.deepEqual((err as Error & { partial?: unknown }).partial, ["from 0", "from 1"], "the replies it got");
        // socket.io-redis 5 calls back with the error and the replies it got
        const [cbErr, replies] = await callback<unknown>(
          (cb) => adapterOf(c, 1).customRequest("q", cb),
          "customRequest(cb)",
        );
        assert.ok(cbErr instanceof Error);
        assert.match(cbErr.message, /\b1 of 2\b/);
        assert.deepEqual(replies, ["from 1", "from 0"], "the callback gets the replies it got");
      },
      { requestsTimeout: PARTIAL_MS },
    );

    it("counters count messages out on the sender and in on the receivers, without errors", async (c) => {
      const before = [0, 1, 2].map((i) => adapterOf(c, i).counters);
      const recs = record(c.all);
      for (let i = 0; i < 5; i++) server(c, 0).io.emit("counted", i);
      await received(c, recs, 0);
      const after = [0, 1, 2].map((i) => adapterOf(c, i).counters);
      // 5 emits and the barrier, on the broadcast channel every server gets
      assert.equal((after[0]?.messagesOut ?? 0) - (before[0]?.messagesOut ?? 0), 6, "sender published 6");
      for (const i of [1, 2]) {
        assert.equal((after[i]?.messagesIn ?? 0) - (before[i]?.messagesIn ?? 0), 6, `server ${i} received 6`);
        assert.equal(after[i]?.messagesOut, before[i]?.messagesOut, `server ${i} published nothing`);
      }
      for (const x of after) {
        assert.equal(x.errors, 0);
        assert.equal(x.dropped, 0);
      }
    });

    if (mode.multiplexing) {
      it("dynamic subscriptions: a server without a member of a room never receives its broadcasts", async (c) => {
        const member = client(c, 1, 0);
        await join(c, member, "solo");
        const recs = record(c.all);
        const before = [0, 1, 2].map((i) => adapterOf(c, i).counters.messagesIn);
        for (let i = 0; i < 10; i++) server(c, 0).io.to("solo").emit("solo", i);
        const got = await received(c, recs, 0);
        assert.equal(got[label(c, member)]?.length, 10);
        const delta = [0, 1, 2].map((i) => adapterOf(c, i).counters.messagesIn - (before[i] ?? 0));
        // server 1: 10 room messages and the barrier; server 2: the barrier only; server 0 hears its own publishes
        assert.equal(delta[1], 11, "the member's server received the room's messages");
        assert.equal(delta[2], 1, "the other server received only the barrier");
      });

      it("dynamic subscriptions: a room channel is subscribed while a local member exists, not after", async (c) => {
        const channel = `${c.key}#/#mux#`;
        assert.equal(await c.admin.numsub(channel), 0);
        const a = client(c, 0, 1);
        const b = client(c, 2, 0);
        await join(c, a, "mux");
        await until(async () => (await c.admin.numsub(channel)) === 1, "one subscriber of the room channel");
        await join(c, b, "mux");
        await until(async () => (await c.admin.numsub(channel)) === 2, "two subscribers");
        await join(c, client(c, 2, 1), "mux");
        assert.equal(await c.admin.numsub(channel), 2, "one subscription per server, not per member");
        await c.serverSocket(a).socket.leave("mux");
        await until(async () => (await c.admin.numsub(channel)) === 1, "server 0 unsubscribed");
        const gone = [next(b, "disconnect"), next(client(c, 2, 1), "disconnect")];
        b.disconnect();
        client(c, 2, 1).disconnect();
        await Promise.all(gone);
        await until(async () => (await c.admin.numsub(channel)) === 0, "server 2 unsubscribed when its members left");
        assert.ok(!(await c.admin.channels(`${c.key}#/#*`)).includes(channel));
      });
    } else {
      it("pattern mode: one PSUBSCRIBE per namespace, no channel per room", async (c) => {
        await join(c, client(c, 0, 0), "pat");
        for (const s of c.servers) {
          const subs = await c.admin.subscriptions(s.subName);
          assert.equal(subs.psub, 1, `${s.subName}: one pattern`);
        }
        assert.deepEqual(await c.admin.channels(`${c.key}#/#*`), [], "no broadcast or room channel subscribed");
        const recs = record(c.all);
        server(c, 2).io.to("pat").emit("via-pattern");
        assert.deepEqual(await received(c, recs, 2), only(c, recs, [client(c, 0, 0)], [["via-pattern"]]));
      });
    }
  });
}
