// Type-checked only (tsconfig.json, tsconfig.sio46.json): what an ESM TypeScript user writes against the published
// declarations. Never run: the clients below never connect.
import redisAdapter, {
  type AdapterConstructor,
  createAdapter,
  type NodeCallback,
  RedisAdapter,
  type RedisAdapterFactory,
  type RedisAdapterOptions,
  type RedisClientLike,
} from "@sio-redis/adapter";
import { Cluster, Redis } from "ioredis";
import { createClient, createCluster } from "redis";
import { createClient as createClient4 } from "redis4";
import { Server } from "socket.io";

// --- node-redis: createAdapter keeps the clients' own type -----------------------------------------------------
const pubClient = createClient({ url: "redis://localhost:6379" });
const subClient = pubClient.duplicate();
const options: RedisAdapterOptions = { key: "myapp", requestsTimeout: 2000, subscriptionMode: "dynamic" };
const fromNodeRedis = createAdapter(pubClient, subClient, options);
const io = new Server({ adapter: fromNodeRedis });
io.adapter(fromNodeRedis);
new Server(3000, { adapter: createAdapter(pubClient, subClient) });

const nodeRedisAdapter = fromNodeRedis(io.of("/"));
export const sharded: Promise<number> = nodeRedisAdapter.pubClient.sPublish("ch", "x");
export const open: boolean = nodeRedisAdapter.subClient.isOpen;

// --- ioredis, single and cluster ------------------------------------------------------------------------------
const ioPub = new Redis();
const ioSub = ioPub.duplicate();
new Server({ adapter: createAdapter(ioPub, ioSub) });
io.adapter(createAdapter(ioPub, ioSub, { subEvent: "messageBuffer" }));
const cluster = new Cluster([{ host: "localhost", port: 7000 }], { shardedSubscribers: true });
io.adapter(createAdapter(cluster, cluster.duplicate()));
export const ioStatus: string = createAdapter(ioPub, ioSub)(io.of("/")).pubClient.status;

// node-redis cluster and node-redis 4
const nodeCluster = createCluster({ rootNodes: [{ url: "redis://localhost:7000" }] });
io.adapter(createAdapter(nodeCluster, nodeCluster.duplicate()));
const pub4 = createClient4({ url: "redis://localhost:6379" });
io.adapter(createAdapter(pub4, pub4.duplicate()));

// every library's clients are RedisClientLike, the type of clients whose library TypeScript does not know
export const likes: RedisClientLike[] = [pubClient, ioPub, cluster, nodeCluster, pub4];
// and clients typed `unknown` are accepted (createAdapter checks them at runtime) and typed RedisClientLike
declare const untyped: unknown;
export const fromUntyped: AdapterConstructor = createAdapter(untyped, untyped);

// --- the adapter of a namespace ----------------------------------------------------------------------------------
const adapter = io.of("/").adapter as RedisAdapter;
export const published: unknown = adapter.pubClient.publish("ch", "x");
adapter.pubClient.publish("ch", Buffer.from("x"));
adapter.subClient.on("error", (err: Error) => console.warn(err.message));
adapter.subClient.on("error", (err) => console.warn(err.message)).on("end", () => {});
adapter.subClient.once("ready", () => {});
const onMessage = (channel: string, message: Buffer) => console.log(channel, message.length);
adapter.subClient.on("messageBuffer", onMessage).off("messageBuffer", onMessage);
adapter.on("error", (err: Error) => console.warn(err));
(io.of("/").adapter as RedisAdapter).pubClient.publish("ch", "x");
(io.of("/").adapter as RedisAdapter).subClient.on("error", (err: Error) => console.warn(err));
// a node-redis user can name the clients' type
const typed = io.of("/").adapter as RedisAdapter<typeof pubClient, typeof subClient>;
typed.pubClient.sPublish("ch", "x");
export const uid: string = adapter.uid;
export const isRedisAdapter: boolean = io.of("/").adapter instanceof RedisAdapter;
export const counters: number = adapter.counters.messagesIn + adapter.pendingRequests;
adapter.customHook = (data, reply) => reply(data === "load" ? 0.5 : null);

// the socket.io-redis API, with callbacks and as promises
adapter.clients((err, ids) => console.log(err?.message, ids?.length));
adapter.clients(["r"], (err: Error | null, ids?: string[]) => console.log(err, ids));
adapter.clientRooms("socket-id", (err, rooms) => console.log(err, rooms));
adapter.remoteJoin("socket-id", "room", (err) => console.log(err));
adapter.remoteLeave("socket-id", "room", (err) => console.log(err));
adapter.remoteDisconnect("socket-id", true, (err) => console.log(err));
adapter.customRequest({ ask: "load" }, (err, replies) => console.log(err, replies?.length));
adapter.allRooms((err, rooms) => console.log(err, rooms));
const callback: NodeCallback<string[]> = (err, ids) => console.log(err, ids);
adapter.clients(["r"], callback);
export const rooms: Promise<Set<string | number>> = adapter.allRooms();
export async function queries(): Promise<void> {
  const ids = await adapter.clients(["r"]);
  const joined = await adapter.remoteJoin("socket-id", "room");
  const answers = await adapter.customRequest("load");
  const sockets = await io.in("room").fetchSockets();
  console.log(ids, joined, answers, sockets.length, await adapter.serverCount());
}

// --- the socket.io-redis default export -------------------------------------------------------------------------
const factory = redisAdapter("localhost:6379");
factory.pubClient.publish("ch", "x");
factory.subClient.on("error", (err: Error) => console.warn(err));
io.adapter(factory);
io.adapter(redisAdapter({ host: "localhost", port: 6379, key: "myapp", password: "secret" }));
new Server({ adapter: redisAdapter("redis://localhost:6379", { key: "myapp" }) });
io.adapter(redisAdapter({ pubClient: ioPub }));
// @socket.io/redis-adapter's default export was createAdapter: that call keeps the clients' types too
const given: RedisAdapterFactory<typeof ioPub, typeof ioSub> = redisAdapter(ioPub, ioSub, { key: "myapp" });
export const givenStatus: string = given.pubClient.status;
export const asConstructor: AdapterConstructor = factory;

// --- nonsense is refused ----------------------------------------------------------------------------------------
// @ts-expect-error: a URL is not a client
createAdapter("redis://localhost:6379", subClient);
// @ts-expect-error: the subscriber is missing
createAdapter(pubClient);
// @ts-expect-error: not a subscription mode
createAdapter(pubClient, subClient, { subscriptionMode: "sharded" });
// @ts-expect-error: the factory, not its result
io.adapter(redisAdapter);
// @ts-expect-error: not every client has sPublish
adapter.pubClient.sPublish("ch", "x");
// @ts-expect-error: socket ids are strings
adapter.clients(["r"], (err: Error | null, ids?: number[]) => console.log(err, ids));
// @ts-expect-error: a port is not options
redisAdapter(6379);
