// Scratch probe for scenario (c): fetchSockets / serverSideEmitWithAck latency, candidates alternating.
//   node --expose-gc --import tsx src/requests-probe.ts [rounds] [requests]   env ONLY=ours|official|specific
import { seededRandom } from "@sio-redis/testing";
import { type Candidate, CLIENT_CPU, Cluster, pin } from "./adapter-cluster.js";
import type { ClientAuth, Timed } from "./adapter-server.js";

const all: Candidate[] = [
  { name: "official", kind: "official", options: {} },
  { name: "specific", kind: "official", options: { publishOnSpecificResponseChannel: true } },
  { name: "ours", kind: "ours", options: {} },
];
const candidates = process.env.ONLY ? all.filter((c) => process.env.ONLY?.split(",").includes(c.name)) : all;
const rounds = Number(process.argv[2] ?? 5);
const times = Number(process.argv[3] ?? 30);

function handshake(i: number) {
  const next = seededRandom(1000 + i);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join("");
  const b64 = (n: number) => Buffer.from(hex(n * 2), "hex").toString("base64url");
  const auth: ClientAuth = {
    token: `${b64(27)}.${b64(90)}.${b64(32)}`,
    rooms: [`user:${i}`, `org:${i % 20}`],
    data: { userId: `u_${hex(12)}`, name: `User ${i}`, roles: ["member"], joinedAt: 1764064800000 + i * 1000 },
  };
  return {
    auth,
    query: { app: "web", version: "5.12.3", tz: "Europe/Paris" },
    extraHeaders: {
      "user-agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
      "accept-language": "en-US,en;q=0.9,fr;q=0.8",
      cookie: `session=${hex(64)}; _ga=GA1.1.${Math.floor(next() * 1e9)}.1764064800; theme=dark; locale=en-US`,
      "x-request-id": `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
    },
  };
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;

await pin(process.pid, CLIENT_CPU);
const clusters: Cluster[] = [];
try {
  for (const c of candidates) {
    const cluster = await Cluster.start(c, 3);
    clusters.push(cluster);
    await cluster.connect(300, (i) => ({ server: cluster.server(i % 3), options: handshake(i) }));
  }
  const res = new Map<string, { f: number[]; s: number[] }>();
  for (let r = -1; r < rounds; r++) {
    const order = r % 2 === 0 ? clusters : [...clusters].reverse();
    for (const cl of order) {
      await cl.gc();
      const f = await cl.server(0).call<Timed>({ cmd: "fetchSockets", times });
      const s = await cl.server(0).call<Timed>({ cmd: "serverSideEmit", times });
      if (r < 0) continue;
      const e = res.get(cl.candidate.name) ?? { f: [], s: [] };
      e.f.push(...f.latencies);
      e.s.push(...s.latencies);
      res.set(cl.candidate.name, e);
    }
  }
  const ours = res.get("ours");
  for (const [name, { f, s }] of res) {
    console.log(
      `${name.padEnd(9)} fetch p50 ${median(f).toFixed(2)} ms  sse p50 ${median(s).toFixed(3)} ms` +
        (ours && name !== "ours"
          ? `   ours/this: fetch ${(median(ours.f) / median(f)).toFixed(2)}x sse ${(median(ours.s) / median(s)).toFixed(2)}x`
          : ""),
    );
  }
} finally {
  for (const c of clusters) await c.stop();
}
process.exit(0);
