// What survives an outage: a server that cannot reach Redis keeps its broadcasts in its publish queue, in order,
// and sends them once Redis is reachable again; the application hears of the outage once, with a message that
// says what happened, not once per failed command. The outage is a real one for the sending server: its
// publishing connection goes through a TCP proxy that the test cuts, while the receiving server stays connected.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { type RedisServer, startRedisServer, startTcpProxy, type TcpProxy } from "@sio-redis/testing";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { Server } from "socket.io";
import type { Socket as ClientSocket } from "socket.io-client";
import { createAdapter, type RedisAdapter } from "../src/index.js";
import { joinFromAuth, reachAll, readyClient, until, within } from "./harness.js";

let redis: RedisServer;
before(async () => {
  redis = await startRedisServer();
});
after(async () => {
  await redis?.stop();
});

type Library = "node-redis" | "ioredis";

interface Client {
  status(): "ready" | "down";
  close(): Promise<void>;
  readonly raw: object;
}

async function client(library: Library, url: string): Promise<Client> {
  if (library === "ioredis") {
    const c = new Redis(url, { lazyConnect: true, retryStrategy: () => 50 });
    c.on("error", () => {}); // the adapter listens too; this keeps the test quiet after the adapter closed
    await c.connect();
    return { raw: c, status: () => (c.status === "ready" ? "ready" : "down"), close: async () => c.disconnect() };
  }
  const c = createClient({ url, socket: { reconnectStrategy: () => 50 } });
  c.on("error", () => {});
  await c.connect();
  return { raw: c, status: () => (c.isReady ? "ready" : "down"), close: async () => c.destroy() };
}

interface Node {
  io: Server;
  port: number;
  adapter: RedisAdapter;
  close(): Promise<void>;
}

async function serve(pub: Client, sub: Client): Promise<Node> {
  const httpServer = http.createServer();
  const io = new Server(httpServer, { adapter: createAdapter(pub.raw, sub.raw, { key: "outage" }) });
  io.on("connection", (socket) => void joinFromAuth(socket));
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const adapter = io.of("/").adapter as unknown as RedisAdapter;
  await within(adapter.init(), "the adapter's subscriptions");
  return {
    io,
    adapter,
    port: (httpServer.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => io.close(() => resolve())),
  };
}

for (const library of ["node-redis", "ioredis"] as const) {
  describe(`Redis unreachable, ${library}`, () => {
    test("broadcasts wait in order and all go out once Redis is back; the outage is reported once", async () => {
      const closers: Array<() => Promise<unknown>> = [];
      const sockets: ClientSocket[] = [];
      let proxy: TcpProxy | undefined;
      try {
        proxy = await startTcpProxy(redis.port);
        closers.push(() => (proxy as TcpProxy).stop());
        // the sender publishes through the proxy; its subscriber and the receiving server talk to Redis directly
        const senderPub = await client(library, proxy.url);
        const senderSub = await client(library, redis.url);
        const receiverPub = await client(library, redis.url);
        const receiverSub = await client(library, redis.url);
        for (const c of [senderPub, senderSub, receiverPub, receiverSub]) closers.push(() => c.close());
        const sender = await serve(senderPub, senderSub);
        const receiver = await serve(receiverPub, receiverSub);
        closers.unshift(
          () => sender.close(),
          () => receiver.close(),
        );
        const reported: Error[] = [];
        sender.adapter.on("error", (err: Error) => reported.push(err));

        const remote = await readyClient(receiver.port, ["r"]);
        sockets.push(remote);
        await reachAll(sender.io, [remote], "the receiver");
        const got: number[] = [];
        remote.on("n", (n: number) => got.push(n));

        await proxy.cut();
        await until(() => senderPub.status() === "down", "the sender's publishing connection to notice the cut");
        const errorsAtCut = sender.adapter.counters.errors;
        // 1.5 s of traffic at about 200 broadcasts a second, to everyone and to one room, while Redis is out of reach
        let n = 0;
        const ticker = setInterval(() => {
          for (let i = 0; i < 2; i++) {
            n++;
            if (n % 2 === 0) sender.io.emit("n", n);
            else sender.io.to("r").emit("n", n);
          }
        }, 10);
        await until(() => n >= 300, "300 broadcasts during the outage", 10_000);
        clearInterval(ticker);
        const sent = n;
        assert.deepEqual(got, [], "nothing reached the other server while the sender could not reach Redis");
        assert.ok(
          reported.length <= 2,
          `the outage reported at most twice (client error, failed batch): ${reported.length}`,
        );
        const reportsDuringOutage = reported.length;

        await proxy.restore();
        await until(() => got.length >= sent, `the ${sent} waiting broadcasts after Redis is reachable`, 10_000);
        assert.deepEqual(
          got,
          Array.from({ length: sent }, (_, i) => i + 1),
          "every broadcast once, in order",
        );
        assert.ok(reported.length >= 1, "the application heard of the outage");
        assert.equal(reported.length, reportsDuringOutage, "and not once per failed reconnection attempt");
        for (const err of reported) assert.notEqual(err.message, "", "with a message that says something");
        assert.ok(sender.adapter.counters.errors > errorsAtCut, "the failed reconnection attempts are counted");
      } finally {
        for (const s of sockets) s.disconnect();
        for (const close of closers) await close().catch(() => {});
      }
    });
  });
}
