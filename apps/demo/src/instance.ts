// One Socket.IO instance of the demo: the chat, the page, and the cluster panel's figures, on @sio-redis/adapter.
// Run by the supervisor (processes.ts) with INSTANCE, REDIS_URL and PORT in its environment.
import { readFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createAdapter, type RedisAdapter } from "@sio-redis/adapter";
import { createClient } from "redis";
import { Server, type Socket } from "socket.io";
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

const name = process.env.INSTANCE ?? "A";
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const wantedPort = Number(process.env.PORT ?? 0);
const HOST = "127.0.0.1";

let peers: Endpoint[] = [];
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
    const self = peers.find((p) => p.name === name)?.url ?? url();
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify({ instance: name, url: self, instances: peers, workerUrl }));
    return;
  }
  const file = STATIC[path];
  if (!file) {
    // /socket.io/ is Socket.IO's; anything else does not exist
    if (!path.startsWith("/socket.io/")) res.writeHead(404).end("not found");
    return;
  }
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
await Promise.all([pubClient.connect(), subClient.connect()]);

const io = new Server(httpServer, {
  adapter: createAdapter(pubClient, subClient),
  // the page of any instance may connect to any other (failover), and nothing else
  cors: { origin: (origin, cb) => cb(null, origin === undefined || peers.some((p) => p.url === origin)) },
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
  const [serverCount, rooms, sockets, others] = await Promise.all([
    io.of("/").adapter.serverCount(),
    adapter.allRooms(),
    io.fetchSockets(),
    io.serverSideEmitWithAck("stats").catch((err: Error & { responses?: InstanceStats[] }) => err.responses ?? []),
  ]);
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
  };
}

type Ack<T> = (result: T) => void;

io.on("connection", (socket: Socket) => {
  const auth = socket.handshake.auth as { name?: unknown };
  const who = typeof auth.name === "string" && auth.name.trim() !== "" ? auth.name.trim().slice(0, 32) : socket.id;
  socket.data = { name: who, instance: name };
  const rooms = () => [...socket.rooms].filter((room) => room !== socket.id);
  const system = (room: string, text: string) => io.to(room).emit("system", { room, text, at: Date.now() });

  socket.onAnyOutgoing((event: string) => {
    if (event === "message") delivered++;
  });
  void socket.join(DEFAULT_ROOM);
  system(DEFAULT_ROOM, `${who} joined ${DEFAULT_ROOM} on ${name}`);

  socket.on("join", async (room: unknown, ack: Ack<{ rooms: string[] } | { error: string }>) => {
    const checked = checkRoom(room);
    if (typeof checked !== "string") return ack?.(checked);
    if (!socket.rooms.has(checked)) {
      await socket.join(checked);
      system(checked, `${who} joined ${checked} on ${name}`);
    }
    ack?.({ rooms: rooms() });
  });

  socket.on("leave", async (room: unknown, ack: Ack<{ rooms: string[] } | { error: string }>) => {
    const checked = checkRoom(room);
    if (typeof checked !== "string") return ack?.(checked);
    await socket.leave(checked);
    ack?.({ rooms: rooms() });
  });

  socket.on("message", (input: { room?: unknown; text?: unknown }, ack: Ack<{ ok: true } | { error: string }>) => {
    const room = checkRoom(input?.room);
    const text = checkText(input?.text);
    if (typeof room !== "string") return ack?.(room);
    if (typeof text !== "string") return ack?.(text);
    if (!socket.rooms.has(room)) return ack?.({ error: `room: join ${room} first` });
    const message: ChatMessage = { room, text, from: who, instance: name, at: Date.now() };
    io.to(room).emit("message", message);
    ack?.({ ok: true });
  });

  socket.on("cluster", (ack: Ack<ClusterSnapshot>) => {
    snapshot().then(ack, (err: Error) =>
      ack({ instance: name, serverCount: 0, rooms: [], instances: [localStats()], error: err.message }),
    );
  });
});

function url(): string {
  const { port } = httpServer.address() as AddressInfo;
  return `http://${HOST}:${port}`;
}

// the wanted port, or any free one if it is taken
await new Promise<void>((resolve, reject) => {
  httpServer.once("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EADDRINUSE" || wantedPort === 0) return reject(err);
    httpServer.listen(0, HOST, resolve);
  });
  httpServer.listen(wantedPort, HOST, resolve);
});
console.log(`[${name}] Socket.IO instance on ${url()}`);
process.send?.({ type: "ready", url: url() });

async function shutdown() {
  // a Redis client still waiting for an answer must not keep the instance alive: 1 s, then exit anyway
  setTimeout(() => process.exit(0), 1000).unref();
  io.close();
  await Promise.allSettled([pubClient.close(), subClient.close()]);
  process.exit(0);
}
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
// the supervisor went away (Ctrl-C on the launcher, a failed test): do not outlive it
process.once("disconnect", shutdown);
