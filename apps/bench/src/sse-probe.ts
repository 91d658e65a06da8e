// Scratch: serverSideEmitWithAck / fetchSockets latency with 3 Socket.IO servers in one process (no clients).
import { performance } from "node:perf_hooks";
import { createAdapter as official } from "@socket.io/redis-adapter";
import { startRedisServer } from "@sio-redis/testing";
import { createClient } from "redis";
import { Server } from "socket.io";

const ours = ((await import("@sio-redis/adapter")) as unknown as { createAdapter: typeof official }).createAdapter;
type Mk = { name: string; make: typeof official; opts: Record<string, unknown> };
const kinds: Mk[] = [
  { name: "official", make: official, opts: {} },
  { name: "specific", make: official, opts: { publishOnSpecificResponseChannel: true } },
  { name: "ours", make: ours, opts: {} },
].filter((k) => !process.env.ONLY || process.env.ONLY.split(",").includes(k.name));
const N = Number(process.argv[2] ?? 500);
const redis = await startRedisServer();
const trace = process.env.TRACE === "1";
const setups = [];
for (const k of kinds) {
  const servers: Server[] = [];
  for (let i = 0; i < 3; i++) {
    const pub = createClient({ url: redis.url });
    const sub = createClient({ url: redis.url });
    await pub.connect();
    await sub.connect();
    const io = new Server();
    io.adapter(k.make(pub, sub, { ...k.opts, key: k.name }));
    io.on("health", (n: number, ack: (a: unknown) => void) => ack({ ok: true, n, pid: process.pid }));
    servers.push(io);
    if (i === 0 && trace) {
      const orig = pub.sendCommand.bind(pub);
      (pub as unknown as { sendCommand: unknown }).sendCommand = (args: string[], o: unknown) => {
        marks.push(`${(performance.now() - t0).toFixed(3)} send ${args[0]} ${args[1]?.slice?.(0, 20)}`);
        return orig(args, o as never);
      };
      const p = pub.publish.bind(pub);
      (pub as unknown as { publish: unknown }).publish = (c: string, m: string) => {
        marks.push(`${(performance.now() - t0).toFixed(3)} publish ${c}`);
        return p(c, m);
      };
    }
  }
  await new Promise((r) => setTimeout(r, 200));
  setups.push({ k, servers });
}
let t0 = 0;
const marks: string[] = [];
const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;
const res = new Map<string, number[]>();
for (let round = 0; round < 6; round++) {
  for (const { k, servers } of round % 2 ? [...setups].reverse() : setups) {
    const io = servers[0] as Server;
    const lat: number[] = [];
    for (let i = 0; i < N; i++) {
      marks.length = 0;
      t0 = performance.now();
      const answers = await io.serverSideEmitWithAck("health", 1);
      lat.push(performance.now() - t0);
      if (answers.length !== 2) throw new Error(`${answers.length}`);
      if (trace && i === N - 1) console.log(k.name, marks.join(" | "), "| done", lat[i]?.toFixed(3));
    }
    if (round > 0) res.set(k.name, [...(res.get(k.name) ?? []), ...lat]);
  }
}
for (const [name, lat] of res) console.log(name.padEnd(9), "sse p50", med(lat).toFixed(3), "ms");
await redis.stop();
process.exit(0);
