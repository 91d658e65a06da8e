// One Socket.IO instance of the demo: the chat, the page, and the cluster panel's figures, on @sio-redis/adapter.
// Run by the supervisor (processes.ts) with INSTANCE, REDIS_URL and PORT in its environment.
import { readFile } from "node:fs/promises";
import http from "node:http";
import { createAdapter, type RedisAdapter } from "@sio-redis/adapter";
import { createClient } from "redis";
import { Server, type Socket } from "socket.io";
import { exitOnStop } from "./lifecycle.js";
import { listen } from "./listen.js";
import {
  type ChatMessage,
  type ClusterSnapshot,
  checkRoom,
  checkText,
  DEFAULT_ROOM,
  type Endpoint,
  type InstanceStats,
  type PeersMessage,
} from "./messages.js";

const onStop = exitOnStop();

const name = process.env.INSTANCE ?? "A";
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const wantedPort = Number(process.env.PORT ?? 0);
/** This instance's URL, once it listens (requests, which use it, come after that). */
let selfUrl = "";

let peers: Endpoint[] = [];
/** Every instance of the demo; only this one until the supervisor has told it the others. */
const knownInstances = (): Endpoint[] => (peers.length > 0 ? peers : [{ name, url: selfUrl }]);
/** Pages of any instance of the demo may connect (failover), and nothing else. */
const allowedOrigin = (origin: string | undefined) =>
  origin === undefined || knownInstances().some((p) => p.url === origin);
let workerUrl = "";
process.on("message", (message: PeersMessage) => {
  if (message.type === "peers") {
    peers = message.instances;
    workerUrl = message.workerUrl;
  }
});

const STATIC: Record<string, string> = {
  "/": "index.html",
  "/index.html": "index.html",
  "/app.js": "app.js",
  "/style.css": "style.css",
};
const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};
const publicDir = new URL("../public/", import.meta.url);

const httpServer = http.createServer(async (req, res) => {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  if (path === "/config.json") {
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify({ instance: name, url: selfUrl, instances: knownInstances(), workerUrl }));
    return;
  }
  const file = STATIC[path];
  // Socket.IO answers its own requests before this handler: anything else unknown does not exist
  if (!file) return void res.writeHead(404).end("not found");
  try {
    const body = await readFile(new URL(file, publicDir));
    res.writeHead(200, { "content-type": TYPES[file.split(".").pop() ?? ""] ?? "text/plain" });
    res.end(body);
  } catch {
    res.writeHead(500).end("cannot read the page");
  }
});

const pubClient = createClient({ url: redisUrl });
const subClient = pubClient.duplicate();
for (const client of [pubClient, subClient]) {
  // Redis going away is part of the demo: reconnection is the client's job, the log says what happened
  client.on("error", (err: Error) => console.error(`[${name}] redis: ${err.message}`));
}
onStop(() => Promise.allSettled([pubClient.close(), subClient.close()]));
await Promise.all([pubClient.connect(), subClient.connect()]);

const io = new Server(httpServer, {
  adapter: createAdapter(pubClient, subClient),
  cors: { origin: (origin, cb) => cb(null, allowedOrigin(origin)) },
  // browsers do not apply CORS to WebSocket: check the origin of every connection too
  allowRequest: (req, cb) => cb(null, allowedOrigin(req.headers.origin)),
});
const adapter = io.of("/").adapter as unknown as RedisAdapter;
adapter.on("error", (err: Error) => console.error(`[${name}] adapter: ${err.message}`));

// chat messages delivered to this instance's clients per second, for the panel's chart (counted as they go out,
// whichever instance, cron job or worker sent them)
const history: number[] = new Array(60).fill(0);
let delivered = 0;
setInterval(() => {
  history.push(delivered);
  history.shift();
  delivered = 0;
}, 1000).unref();

function localStats(): InstanceStats {
  return { instance: name, sockets: io.of("/").sockets.size, rate: history.at(-1) ?? 0, history: [...history] };
}

// the other instances ask for our figures with serverSideEmitWithAck("stats")
io.on("stats", (reply: (stats: InstanceStats) => void) => reply(localStats()));

async function snapshot(): Promise<ClusterSnapshot> {
  // each part on its own: a hung instance or a Redis outage costs the parts that need them, not the whole panel
  const [count, allRooms, fetched, stats] = await Promise.allSettled([
    io.of("/").adapter.serverCount(),
    adapter.allRooms(),
    io.fetchSockets(),
    io.serverSideEmitWithAck("stats").catch((err: Error & { responses?: InstanceStats[] }) => err.responses ?? []),
  ]);
  const failed = [count, allRooms, fetched, stats].find((r) => r.status === "rejected");
  const serverCount = count.status === "fulfilled" ? count.value : 1;
  const rooms = allRooms.status === "fulfilled" ? allRooms.value : new Set<string>();
  const sockets = fetched.status === "fulfilled" ? fetched.value : [];
  const others = stats.status === "fulfilled" ? stats.value : [];
  const ids = new Set(sockets.map((s) => s.id));
  const byInstance = new Map<string, InstanceStats>();
  for (const stats of [localStats(), ...(others as InstanceStats[])]) byInstance.set(stats.instance, stats);
  // fetchSockets counts the sockets, wherever each one is
  for (const stats of byInstance.values()) stats.sockets = 0;
  for (const socket of sockets) {
    const at = (socket.data as { instance?: string }).instance ?? "?";
    const stats = byInstance.get(at) ?? { instance: at, sockets: 0, rate: 0, history: [] };
    stats.sockets++;
    byInstance.set(at, stats);
  }
  return {
    instance: name,
    serverCount,
    rooms: [...rooms]
      .map(String)
      .filter((room) => !ids.has(room))
      .sort(),
    instances: [...byInstance.values()].sort((a, b) => a.instance.localeCompare(b.instance)),
    ...(failed ? { error: String((failed as PromiseRejectedResult).reason?.message ?? failed) } : {}),
  };
}

type Ack<T> = (result: T) => void;
/** Most rooms one socket may be in besides its own: every room costs a channel and a chip in every panel. */
const MAX_ROOMS = 10;
/** The shape of Socket.IO socket ids (20 base64url characters), whose rooms are private. */
const SOCKET_ID = /^[\w-]{20}$/;

/** The client's ack if it sent a function, else nothing: a client must not be able to crash the instance. */
function replyTo<T>(ack: unknown): Ack<T> {
  return typeof ack === "function" ? (ack as Ack<T>) : () => {};
}

io.on("connection", (socket: Socket) => {
  const auth = socket.handshake.auth as { name?: unknown };
  const given =
    typeof auth.name === "string"
      ? auth.name
          .replace(/[\p{Cc}\p{Cf}]/gu, "")
          .trim()
          .slice(0, 32)
      : "";
  const who = given !== "" ? given : `anon-${socket.id.slice(0, 4)}`;
  socket.data = { name: who, instance: name };
  const rooms = () => [...socket.rooms].filter((room) => room !== socket.id);
  const system = (room: string, text: string) => io.to(room).emit("system", { room, text, at: Date.now() });

  socket.onAnyOutgoing((event: string) => {
    if (event === "message") delivered++;
  });
  void socket.join(DEFAULT_ROOM);
  system(DEFAULT_ROOM, `${who} joined ${DEFAULT_ROOM} on ${name}`);

  socket.on("join", async (room: unknown, ack: unknown) => {
    const reply = replyTo<{ rooms: string[] } | { error: string }>(ack);
    const checked = checkRoom(room);
    if (typeof checked !== "string") return reply(checked);
    // a socket's own room is private, wherever the socket is: nobody else may join it
    if (SOCKET_ID.test(checked)) return reply({ error: "room: names like socket ids are reserved" });
    if (!socket.rooms.has(checked)) {
      if (rooms().length >= MAX_ROOMS) return reply({ error: `room: at most ${MAX_ROOMS} rooms per connection` });
      await socket.join(checked);
      system(checked, `${who} joined ${checked} on ${name}`);
    }
    reply({ rooms: rooms() });
  });

  socket.on("leave", async (room: unknown, ack: unknown) => {
    const reply = replyTo<{ rooms: string[] } | { error: string }>(ack);
    const checked = checkRoom(room);
    if (typeof checked !== "string") return reply(checked);
    if (checked !== socket.id) await socket.leave(checked);
    reply({ rooms: rooms() });
  });

  socket.on("message", (input: unknown, ack: unknown) => {
    const reply = replyTo<{ ok: true } | { error: string }>(ack);
    const fields = (typeof input === "object" && input !== null ? input : {}) as { room?: unknown; text?: unknown };
    const room = checkRoom(fields.room);
    const text = checkText(fields.text);
    if (typeof room !== "string") return reply(room);
    if (typeof text !== "string") return reply(text);
    if (!socket.rooms.has(room) || room === socket.id) return reply({ error: `room: join ${room} first` });
    const message: ChatMessage = { room, text, from: who, instance: name, at: Date.now() };
    io.to(room).emit("message", message);
    reply({ ok: true });
  });

  socket.on("cluster", (ack: unknown) => {
    const reply = replyTo<ClusterSnapshot>(ack);
    snapshot().then(reply, (err: Error) =>
      reply({ instance: name, serverCount: 1, rooms: [], instances: [localStats()], error: err.message }),
    );
  });
});

selfUrl = await listen(httpServer, wantedPort);
console.log(`[${name}] Socket.IO instance on ${selfUrl}`);
process.send?.({ type: "ready", url: selfUrl });
