// Hostile traffic on every channel a server listens to: the malformed corpus of @sio-redis/protocol, random
// bytes, truncated and bit-flipped valid frames, and hand-made frames that decode but must never reach a client,
// interleaved with numbered broadcasts from an emitter. The servers must stay up, deliver every numbered
// broadcast exactly once and in order, deliver nothing else, count what they drop, and still answer requests.
// Random choices come from a seeded PRNG: the seed is printed; FUZZ_SEED=<seed> replays a run.
import assert from "node:assert/strict";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { Emitter } from "@sio-redis/emitter";
import {
  CLIENT_RESERVED_EVENTS,
  decodeBroadcast,
  decodeRequest,
  decodeResponse,
  encodeBroadcast,
  encodeRequest,
  encodeResponse,
  ProtocolError,
  RequestType,
} from "@sio-redis/protocol";
import { type RedisServer, seededRandom, startRedisServer } from "@sio-redis/testing";
import { createClient } from "redis";
import { Server } from "socket.io";
import type { Socket as ClientSocket } from "socket.io-client";
import { createAdapter, type RedisAdapter } from "../src/index.js";
import { joinFromAuth, readyClient, until, within } from "./harness.js";

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
console.log(`# fuzz seed ${SEED} (FUZZ_SEED=${SEED} replays this run)`);

const crashes: unknown[] = [];
const onCrash = (err: unknown) => {
  crashes.push(err);
};
let redis: RedisServer;

before(async () => {
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  redis = await startRedisServer();
});

after(async () => {
  process.off("uncaughtException", onCrash);
  process.off("unhandledRejection", onCrash);
  await redis?.stop();
});

// --- the frames ---------------------------------------------------------------------------------------------

/** Which decoder a channel's messages go through. */
type Kind = "broadcast" | "request" | "response";

interface Case {
  name: string;
  decoder: string;
  hex?: string;
  text?: string;
  answers?: number;
}

const corpus = (
  JSON.parse(readFileSync(new URL("../../protocol/vectors/malformed.json", import.meta.url), "utf8")) as {
    cases: Case[];
  }
).cases;

function bytesOf(c: Case): Buffer {
  return c.hex !== undefined ? Buffer.from(c.hex, "hex") : Buffer.from(c.text ?? "", "utf8");
}

/**
 * True when the protocol's decoder for `kind` refuses `frame`: what the adapter must then drop and count.
 * Responses are decoded as they are during the fuzzing, with no request pending.
 */
function rejected(kind: Kind, frame: Buffer): boolean {
  if (kind === "broadcast") return decodeBroadcast(frame) instanceof ProtocolError;
  if (kind === "request") return decodeRequest(frame) instanceof ProtocolError;
  return decodeResponse(frame, () => undefined) instanceof ProtocolError;
}

/**
 * A frame that decodes and is still harmless: a broadcast of another namespace (ignored), any well-formed
 * response (nothing is pending). Well-formed broadcasts to "/" and well-formed requests would be legitimate
 * messages, not bad frames: mutations that happen to produce one are not sent.
 */
function harmless(kind: Kind, frame: Buffer): boolean {
  if (rejected(kind, frame)) return true;
  if (kind === "broadcast") return (decodeBroadcast(frame) as { packet: { nsp: string } }).packet.nsp !== "/";
  return kind === "response";
}

/** The msgpack of `{rooms: [], except: [], flags: {}}`, as it ends a broadcast: */
const DEFAULT_OPTS = "83a5726f6f6d7390a665786365707490a5666c61677380";

function withOpts(frame: Buffer, optsHex: string): Buffer {
  const hex = frame.toString("hex");
  assert.ok(hex.endsWith(DEFAULT_OPTS));
  return Buffer.from(hex.slice(0, -DEFAULT_OPTS.length) + optsHex, "hex");
}

/** Hand-made broadcasts, well-formed msgpack `[uid, packet, opts]`, that no client may ever receive. */
function forgedBroadcasts(): Buffer[] {
  const opts = { rooms: [], except: [], flags: {} };
  const forge = (packet: unknown, options: unknown = opts, uid: unknown = "forger") =>
    encodeBroadcast({ uid, packet, opts: options } as never) as Buffer;
  const event = (data: unknown) => ({ type: 2, data, nsp: "/" });
  return [
    // packet types other than EVENT
    forge({ type: 0, nsp: "/" }),
    forge({ type: 0, nsp: "/", data: { sid: "forged" } }),
    forge({ type: 1, nsp: "/" }),
    forge({ type: 3, nsp: "/", id: 1, data: ["x"] }),
    forge({ type: 4, nsp: "/", data: { message: "forged" } }),
    forge({ type: 6, nsp: "/", id: 1, data: ["x"] }),
    forge({ type: "2", nsp: "/", data: ["x"] }),
    forge({ type: null, nsp: "/", data: ["x"] }),
    forge({ nsp: "/", data: ["x"] }),
    // reserved event names and data that is not an event
    ...[...CLIENT_RESERVED_EVENTS].map((name) => forge(event([name, "forged"]))),
    forge(event("hello")),
    forge(event({ 0: "hello" })),
    forge(event(5)),
    forge(event(null)),
    forge(event([])),
    forge(event([null])),
    forge(event([{}])),
    forge(event([true])),
    forge(event([Number.NaN])),
    forge(event([Number.POSITIVE_INFINITY])),
    // namespaces
    forge({ type: 2, data: ["x"], nsp: "/other" }), // well-formed: ignored, not dropped
    forge({ type: 2, data: ["x"], nsp: "other" }),
    forge({ type: 2, data: ["x"], nsp: "" }),
    forge({ type: 2, data: ["x"], nsp: 5 }),
    // ack ids, uids, options
    forge({ ...event(["x"]), id: "1" }),
    forge({ ...event(["x"]), id: -1 }),
    forge(event(["x"]), opts, ""),
    forge(event(["x"]), opts, 5),
    forge(event(["x"]), opts, null),
    forge(event(["x"]), { rooms: "r1", except: [], flags: {} }),
    forge(event(["x"]), { rooms: [null], except: [], flags: {} }),
    forge(event(["x"]), { rooms: [], except: 5, flags: {} }),
    forge(event(["x"]), { rooms: [], except: [], flags: { volatile: "yes" } }),
    forge(event(["x"]), { rooms: [], except: [], flags: { timeout: -1 } }),
    // opts that are not a map: the encoded default opts at the end swapped for nil and for "all"
    withOpts(forge(event(["x"])), "c0"),
    withOpts(forge(event(["x"])), "a3616c6c"),
  ];
}

/** Valid frames of each kind, to truncate and flip bits in. */
function mutationBases(): Array<[Kind, Buffer]> {
  const buffer = (payload: Buffer | string) => (typeof payload === "string" ? Buffer.from(payload) : payload);
  return [
    [
      "broadcast",
      buffer(
        encodeBroadcast({
          uid: "fuzzer",
          packet: { type: 2, data: ["mutant", 1, { a: [1, "two"] }], nsp: "/" },
          opts: { rooms: ["r1"], except: ["r2"], flags: { volatile: false } },
        }),
      ),
    ],
    [
      "request",
      buffer(
        encodeRequest({
          type: RequestType.REMOTE_FETCH,
          uid: "fuzzer",
          requestId: "abc",
          opts: { rooms: ["r1"], except: [] },
        }),
      ),
    ],
    [
      "request",
      buffer(
        encodeRequest({
          type: RequestType.BROADCAST,
          uid: "fuzzer",
          requestId: "abc",
          packet: { type: 2, data: ["mutant"], nsp: "/" },
          opts: { rooms: [], except: [], flags: {} },
        }),
      ),
    ],
    [
      "response",
      buffer(
        encodeResponse({
          type: RequestType.REMOTE_FETCH,
          requestId: "abc",
          sockets: [{ id: "x", handshake: {}, rooms: ["x"], data: null }],
        } as never),
      ),
    ],
    ["response", buffer(encodeResponse({ type: RequestType.BROADCAST_ACK, requestId: "abc", packet: ["ok"] }))],
  ];
}

function mutate(frame: Buffer, random: () => number): Buffer {
  const out = Buffer.from(frame);
  const kind = random();
  if (kind < 0.4) return out.subarray(0, Math.floor(random() * out.length)); // truncated
  const flips = 1 + Math.floor(random() * 4);
  for (let i = 0; i < flips; i++) {
    const at = Math.floor(random() * out.length);
    out[at] = (out[at] as number) ^ (1 << Math.floor(random() * 8));
  }
  return kind < 0.8 ? out : out.subarray(0, Math.floor(random() * out.length) + 1); // flipped (and truncated)
}

function randomFrame(random: () => number): Buffer {
  const length = Math.floor(2 ** (random() * 9)) - 1; // 0 to 511 bytes, short ones more often
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  const style = random();
  if (length > 0 && style < 0.2) {
    bytes[0] = 0x7b; // "{": read as JSON on the request and response channels
    for (let i = 1; i < length; i++) bytes[i] = 0x20 + Math.floor(random() * 0x5f);
  } else if (length > 0 && style < 0.4) {
    bytes[0] = 0x93; // a 3-element msgpack array, like a broadcast
  } else if (length > 0 && style < 0.6) {
    bytes[0] = 0x80 | Math.floor(random() * 16); // a msgpack map, like a request
  }
  return bytes;
}

// --- the cluster --------------------------------------------------------------------------------------------

interface Node {
  io: Server;
  adapter: RedisAdapter;
  client(rooms?: string[]): Promise<ClientSocket>;
  close(): Promise<void>;
}

async function startNode(multiplex: boolean): Promise<Node> {
  const pub = createClient({ url: redis.url });
  const sub = pub.duplicate();
  pub.on("error", () => {});
  sub.on("error", () => {});
  await within(Promise.all([pub.connect(), sub.connect()]), "node-redis connections");
  const httpServer = http.createServer();
  const io = new Server(httpServer, {
    adapter: createAdapter(pub, sub, { subscriptionMode: multiplex ? "dynamic" : "pattern" }),
  });
  io.on("connection", joinFromAuth);
  httpServer.listen(0, "127.0.0.1");
  await once(httpServer, "listening");
  const port = (httpServer.address() as AddressInfo).port;
  const adapter = io.of("/").adapter as unknown as RedisAdapter;
  const sockets: ClientSocket[] = [];
  await within(adapter.init(), "subscriptions");
  return {
    io,
    adapter,
    async client(rooms = []) {
      const socket = await readyClient(port, rooms);
      sockets.push(socket);
      socket.on("ack-me", (ack: (answer: unknown) => void) => ack(socket.id));
      return socket;
    },
    async close() {
      for (const socket of sockets) socket.disconnect();
      await within(new Promise<void>((resolve) => io.close(() => resolve())), "io.close()").catch(() => {});
      await Promise.allSettled([pub.close(), sub.close()]);
    },
  };
}

/** Everything a client receives, reserved events included. */
function record(socket: ClientSocket): string[] {
  const events: string[] = [];
  socket.onAny((event: string, arg: unknown) => events.push(`${event}:${String(arg)}`));
  socket.on("disconnect", (reason) => events.push(`disconnect:${reason}`));
  socket.on("connect_error", (err) => events.push(`connect_error:${err.message}`));
  return events;
}

// --- the test -----------------------------------------------------------------------------------------------

for (const multiplex of [true, false]) {
  const mode = multiplex ? "room channels" : "pattern";
  test(`fuzzing a server (${mode}): it stays up, delivers only the real broadcasts, counts the rest`, {
    timeout: 30_000,
  }, async (t) => {
    const random = seededRandom(SEED + (multiplex ? 0 : 1));
    const nodes: Node[] = [];
    const closers: Array<() => Promise<unknown>> = [];
    try {
      // S is the target; W, a second server, answers requests (and hears the shared channels too)
      const S = await startNode(multiplex);
      nodes.push(S);
      const W = await startNode(multiplex);
      nodes.push(W);
      const c0 = await S.client();
      const c1 = await S.client(["r1"]);
      const c2 = await S.client(["r1", "r2"]);
      const w0 = await W.client();
      const clients = [c0, c1, c2, w0];
      const publisher = createClient({ url: redis.url });
      publisher.on("error", () => {});
      await publisher.connect();
      closers.push(() => publisher.close());
      const emitter = new Emitter(publisher);
      // every subscription in place: the emitter's broadcasts to all, to r1 and to c0's id arrive
      let probes = 0;
      await until(
        async () => {
          const token = `p${++probes}`;
          const got = (c: ClientSocket, event: string) =>
            within(
              new Promise<void>((resolve) => {
                const listener = (t: string) => {
                  if (t !== token) return;
                  c.off(event, listener);
                  resolve();
                };
                c.on(event, listener);
              }),
              event,
              200,
            ).then(
              () => true,
              () => false,
            );
          const arrived = Promise.all([
            ...clients.map((c) => got(c, "__all")),
            got(c1, "__room"),
            got(c2, "__room"),
            got(c0, "__direct"),
          ]);
          await emitter.emit("__all", token);
          await emitter.to("r1").emit("__room", token);
          await emitter.to(c0.id as string).emit("__direct", token);
          return (await arrived).every(Boolean);
        },
        "the servers to be subscribed",
        5000,
      );
      const logs = clients.map(record);

      const targets: Array<{ channel: string; kind: Kind; heard: Node[] }> = [
        { channel: "socket.io#/#", kind: "broadcast", heard: [S, W] },
        { channel: "socket.io#/#r1#", kind: "broadcast", heard: [S] },
        { channel: `socket.io#/#${c0.id}#`, kind: "broadcast", heard: [S] },
        { channel: "socket.io#/#nobody#", kind: "broadcast", heard: [] },
        { channel: "socket.io-request#/#", kind: "request", heard: [S, W] },
        { channel: "socket.io-response#/#", kind: "response", heard: [S, W] },
        { channel: `socket.io-response#/#${S.adapter.uid}#`, kind: "response", heard: [S] },
      ];
      const ofKind = (kind: Kind) => targets.filter((target) => target.kind === kind);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
      const frames: Array<{ channel: string; kind: Kind; frame: Buffer; heard: Node[]; source: string }> = [];
      const add = (target: (typeof targets)[number], frame: Buffer, source: string) =>
        frames.push({ ...target, frame, source });

      // 1. the corpus: each frame on two channels of its kind (channel-name cases are sent below)
      for (const c of corpus) {
        const frame = bytesOf(c);
        const kind: Kind | undefined =
          c.decoder === "broadcast" || c.decoder === "cluster"
            ? "broadcast"
            : c.decoder === "request"
              ? "request"
              : c.decoder === "response"
                ? "response"
                : undefined;
        if (!kind) continue;
        if (c.decoder !== "response") assert.ok(rejected(kind, frame), `the corpus case "${c.name}" is refused`);
        const options = ofKind(kind);
        add(pick(options), frame, "corpus");
        add(pick(options), frame, "corpus");
      }
      // 2. hand-made frames that decode but must never be delivered
      const forged = forgedBroadcasts();
      for (const frame of forged) {
        const ignored = !rejected("broadcast", frame);
        if (ignored) assert.ok(harmless("broadcast", frame), "a forged frame that decodes is of another namespace");
        for (const target of ofKind("broadcast")) add(target, frame, "forged");
      }
      // this server's own uid on its own room channels: ignored (never decoded by W, which holds no such room)
      const own = encodeBroadcast({
        uid: S.adapter.uid,
        packet: { type: 2, data: ["own-uid"], nsp: "/" },
        opts: { rooms: [], except: [], flags: {} },
      }) as Buffer;
      for (const target of targets.slice(1, 3)) add(target, own, "forged");
      // 3. truncated and bit-flipped valid frames, unless the mutation is still a valid message
      const bases = mutationBases();
      let skipped = 0;
      for (let i = 0; i < 3000; i++) {
        const [kind, base] = pick(bases);
        const frame = mutate(base, random);
        if (harmless(kind, frame)) add(pick(ofKind(kind)), frame, "mutant");
        else skipped++;
      }
      // 4. random bytes, anywhere
      while (frames.length < 12_000) {
        const target = pick(targets);
        const frame = randomFrame(random);
        if (harmless(target.kind, frame)) add(target, frame, "random");
        else skipped++;
      }
      // shuffled, so that each kind meets the others
      for (let i = frames.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [frames[i], frames[j]] = [frames[j] as (typeof frames)[number], frames[i] as (typeof frames)[number]];
      }

      // What each server must drop: every frame its decoders refuse on a channel it decodes (room channels
      // only for rooms it holds; the pattern mode hears "nobody" but skips it before decoding). Frames that
      // decode and are ignored (another namespace, its own uid, a well-formed response nobody waits for)
      // are not drops.
      const expected = new Map<Node, number>(nodes.map((n) => [n, 0]));
      for (const f of frames) {
        if (!rejected(f.kind, f.frame)) continue;
        for (const node of f.heard) expected.set(node, (expected.get(node) ?? 0) + 1);
      }
      const droppedBefore = new Map(nodes.map((n) => [n, n.adapter.counters.dropped]));

      // send: 100 frames, then numbered broadcasts to all, to room r1 and to c0's id; and so on
      const raw = publisher.duplicate();
      raw.on("error", () => {});
      await raw.connect();
      closers.push(() => raw.close());
      const started = Date.now();
      let seq = 0;
      for (let i = 0; i < frames.length; i += 100) {
        await Promise.all(frames.slice(i, i + 100).map((f) => raw.publish(f.channel, f.frame)));
        seq++;
        void emitter.emit("seq", seq);
        void emitter.to("r1").emit("room", seq);
        void emitter.to(c0.id as string).emit("direct", seq);
      }
      // 5. valid broadcasts on malformed channel names: must reach nobody (the pattern mode hears some)
      const names = corpus.filter((c) => c.decoder === "channel").map((c) => c.text ?? "");
      const valid = encodeBroadcast({
        uid: "fuzzer",
        packet: { type: 2, data: ["via-bad-channel"], nsp: "/" },
        opts: { rooms: [], except: [], flags: {} },
      }) as Buffer;
      await Promise.all(names.filter((name) => name !== "").map((name) => raw.publish(name, valid)));
      // the emitter's last broadcast comes after everything above on each server's connection
      await emitter.emit("end", seq);
      await within(
        Promise.all(logs.map((log) => until(() => log.includes(`end:${seq}`), "end", 10_000))),
        "every client to get the end marker",
        12_000,
      );
      const elapsed = Date.now() - started;

      // exactly the numbered broadcasts, once each, in order, and nothing else
      const numbered = (extra: string) =>
        Array.from({ length: seq }, (_, i) => [`seq:${i + 1}`, ...(extra ? [`${extra}:${i + 1}`] : [])]).flat();
      assert.deepEqual(logs[0], [...numbered("direct"), `end:${seq}`], "c0: to all and to its id");
      assert.deepEqual(logs[1], [...numbered("room"), `end:${seq}`], "c1: to all and to r1");
      assert.deepEqual(logs[2], [...numbered("room"), `end:${seq}`], "c2: to all and to r1");
      assert.deepEqual(logs[3], [...numbered(""), `end:${seq}`], "w0: to all");
      assert.ok(
        clients.every((c) => c.connected),
        "no client was disconnected",
      );
      // every refused frame counted once, by each server that decoded it
      const bad = frames.length;
      for (const [node, name] of [
        [S, "S"],
        [W, "W"],
      ] as const) {
        const dropped = node.adapter.counters.dropped - (droppedBefore.get(node) ?? 0);
        assert.equal(dropped, expected.get(node), `${name} dropped every refused frame it decoded, once`);
        t.diagnostic(`${name} dropped ${dropped} of the ${bad} bad frames`);
      }
      const bySource = new Map<string, number>();
      for (const f of frames) bySource.set(f.source, (bySource.get(f.source) ?? 0) + 1);
      t.diagnostic(
        `${bad} bad frames (${[...bySource].map(([s, n]) => `${n} ${s}`).join(", ")}; ${skipped} frames ` +
          `still valid, not sent) and ${3 * seq + 1} real broadcasts in ${elapsed} ms`,
      );
      assert.ok(bad >= 10_000);

      // 6. malformed responses to pending requests: a fake peer (a subscriber of the request channel, so
      // counted as a server) answers each request with the corpus frames for that request type, then properly
      const spy = publisher.duplicate();
      spy.on("error", () => {});
      await spy.connect();
      closers.push(() => spy.close());
      let garbage = 0;
      const accepted: string[] = []; // corpus responses the decoder takes once their request id is pending
      await spy.subscribe(
        "socket.io-request#/#",
        (message: Buffer) => {
          const request = decodeRequest(message);
          if (request instanceof ProtocolError || request.uid !== S.adapter.uid || !("requestId" in request)) return;
          const id = request.requestId as string;
          const type = request.type as number;
          const channel = `socket.io-response#/#${S.adapter.uid}#`;
          const fixstr = (s: string) => Buffer.concat([Buffer.from([0xa0 | s.length]), Buffer.from(s)]).toString("hex");
          for (const c of corpus.filter((k) => k.decoder === "response" && k.answers === type)) {
            const frame =
              c.hex !== undefined
                ? Buffer.from(c.hex.replaceAll(fixstr("r1"), fixstr(id)), "hex")
                : Buffer.from((c.text ?? "").replaceAll('"r1"', JSON.stringify(id)));
            if (!(decodeResponse(frame, (r) => (r === id ? (type as never) : undefined)) instanceof ProtocolError)) {
              accepted.push(c.name);
            }
            garbage++;
            void raw.publish(channel, frame);
          }
          const answer: Record<number, unknown> = {
            [RequestType.SOCKETS]: { requestId: id, sockets: ["spy-socket"] },
            [RequestType.ALL_ROOMS]: { requestId: id, rooms: ["spy-room"] },
            [RequestType.REMOTE_FETCH]: { requestId: id, sockets: [] },
            [RequestType.SERVER_SIDE_EMIT]: { type: 6, requestId: id, data: "spy" },
            [RequestType.BROADCAST]: { type: 8, requestId: id, clientCount: 0 },
          };
          if (answer[type] !== undefined) void raw.publish(channel, JSON.stringify(answer[type]));
        },
        true,
      );
      await until(async () => (await S.adapter.serverCount()) === 3, "the fake peer to count as a server");
      W.io.on("ping", (ack: (answer: unknown) => void) => ack("W"));
      const before = S.adapter.counters.dropped;
      const ids = [c0, c1, c2, w0].map((c) => c.id as string).sort();
      const all = await within(S.io.allSockets(), "sockets (type 0)");
      assert.deepEqual([...all].sort(), [...ids, "spy-socket"].sort());
      const rooms = await within(S.adapter.allRooms(), "allRooms (type 1)");
      assert.ok(rooms.has("spy-room") && rooms.has("r1") && rooms.has("r2"));
      const fetched = await within(S.io.fetchSockets(), "fetchSockets (type 5)");
      assert.deepEqual(fetched.map((s) => s.id).sort(), ids);
      assert.deepEqual((await within(S.io.serverSideEmitWithAck("ping"), "serverSideEmitWithAck (type 6)")).sort(), [
        "W",
        "spy",
      ]);
      const acks = await within(S.io.timeout(3000).emitWithAck("ack-me"), "emitWithAck (type 7)");
      assert.deepEqual((acks as string[]).sort(), ids);
      assert.deepEqual(accepted, [], "every corpus response is refused for its pending request");
      assert.equal(S.adapter.counters.dropped - before, garbage, "every malformed response to a pending request");
      assert.equal(S.adapter.pendingRequests, 0);
      t.diagnostic(`${garbage} malformed responses to 5 pending requests, all dropped`);
      await spy.unsubscribe("socket.io-request#/#");

      // requests between the two real servers still work
      assert.equal((await within(W.io.fetchSockets(), "fetchSockets from W")).length, 4);
      assert.ok((await within(W.adapter.allRooms(), "allRooms from W")).has("r2"));
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(crashes, [], "no uncaught exception or unhandled rejection");
    } finally {
      for (const close of closers.reverse()) await close().catch(() => {});
      for (const node of nodes) await node.close();
    }
  });
}
