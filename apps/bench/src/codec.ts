// Benchmark: encode and decode of a small broadcast with @sio-redis/protocol vs calling notepack.io directly.
// Targets (issue #2): encode >= 0.9x raw, validated decode >= 0.7x raw.
// Run: pnpm bench   (or: pnpm --filter @sio-redis/bench start)
import { type BroadcastMessage, decodeBroadcast, encodeBroadcast, ProtocolError } from "@sio-redis/protocol";
import { decode as rawDecode, encode as rawEncode } from "notepack.io";
import { compare, formatOps } from "./measure.js";

const message: BroadcastMessage = {
  uid: "abcdef",
  packet: { type: 2, data: ["chat message", { from: "alice", text: "hello everyone", at: 1764064800000 }], nsp: "/" },
  opts: { rooms: ["room-42"], except: [], flags: {} },
};
const wire = [message.uid, message.packet, message.opts];
const bytes = encodeBroadcast(message) as Buffer;

if (!bytes.equals(rawEncode(wire) as Buffer)) throw new Error("our encoding differs from notepack.io's");
if (decodeBroadcast(bytes) instanceof ProtocolError) throw new Error("the sample does not decode");

console.log(`small broadcast: ${bytes.length} bytes, node ${process.version}`);

const encode = compare([
  { name: "notepack.io encode (raw)", run: () => rawEncode(wire) },
  { name: "@sio-redis/protocol encodeBroadcast", run: () => encodeBroadcast(message) },
]);
const decode = compare([
  { name: "notepack.io decode (raw, unvalidated)", run: () => rawDecode(bytes) },
  { name: "@sio-redis/protocol decodeBroadcast (validated)", run: () => decodeBroadcast(bytes) },
]);

const rows = [...encode, ...decode];
for (const r of rows) console.log(`${r.name.padEnd(52)} ${formatOps(r.opsPerSec)}`);

const encodeRatio = (encode[1]?.opsPerSec ?? 0) / (encode[0]?.opsPerSec ?? 1);
const decodeRatio = (decode[1]?.opsPerSec ?? 0) / (decode[0]?.opsPerSec ?? 1);
console.log(
  `encode ratio (ours / raw): ${encodeRatio.toFixed(2)}x  (target >= 0.90x) ${encodeRatio >= 0.9 ? "ok" : "MISSED"}`,
);
console.log(
  `decode ratio (ours / raw): ${decodeRatio.toFixed(2)}x  (target >= 0.70x) ${decodeRatio >= 0.7 ? "ok" : "MISSED"}`,
);
