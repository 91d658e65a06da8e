// Until the adapter and emitter land (issues #3, #4), the demo walks through what travels over Redis when a
// Socket.IO cluster works: for each everyday call, the channel, the exact bytes, and what a receiver decodes.
import {
  type ClusterMessage,
  ClusterMessageType,
  classicChannels,
  decodeBroadcast,
  decodeClusterMessage,
  decodeRequest,
  EMITTER_UID,
  encodeBroadcast,
  encodeClusterMessage,
  encodeRequest,
  type Payload,
  ProtocolError,
  RequestType,
  shardedChannels,
} from "@sio-redis/protocol";

const ch = classicChannels("socket.io", "/");
const uid = "Ab3xYz"; // an adapter's 6-character uid

function show(
  call: string,
  channel: string,
  payload: Payload,
  decode: (bytes: Buffer) => unknown,
  command = "PUBLISH",
): void {
  const bytes = Buffer.from(payload);
  const format = typeof payload === "string" ? "JSON" : "msgpack";
  const decoded = decode(bytes);
  console.log(`\n${call}`);
  console.log(`  ${command} ${channel}  (${format}, ${bytes.length} bytes)`);
  console.log(`  ${typeof payload === "string" ? payload : bytes.toString("hex")}`);
  if (decoded instanceof ProtocolError) throw decoded;
  console.log(`  decoded: ${JSON.stringify(decoded)}`);
}

console.log("What Socket.IO servers and emitters say to each other through Redis (classic transport):");

show(
  'emitter.emit("hello", "world")',
  ch.forBroadcast([]),
  encodeBroadcast(
    {
      uid: EMITTER_UID,
      packet: { type: 2, data: ["hello", "world"], nsp: "/" },
      opts: { rooms: [], except: [], flags: {} },
    },
    { style: "emitter" },
  ),
  decodeBroadcast,
);
show(
  'io.to("room1").volatile.emit("ev", 1)',
  ch.forBroadcast(["room1"]),
  encodeBroadcast({
    uid,
    packet: { type: 2, data: ["ev", 1], nsp: "/" },
    opts: { rooms: ["room1"], except: [], flags: { volatile: true } },
  }),
  decodeBroadcast,
);
show(
  'io.in("room1").socketsJoin("room2")',
  ch.request,
  encodeRequest({ type: RequestType.REMOTE_JOIN, uid, opts: { rooms: ["room1"], except: [] }, rooms: ["room2"] }),
  decodeRequest,
);
show(
  "io.fetchSockets()",
  ch.request,
  encodeRequest({ type: RequestType.REMOTE_FETCH, uid, requestId: "q1", opts: { rooms: [], except: [] } }),
  decodeRequest,
);
show(
  'io.serverSideEmit("ping", 1)',
  ch.request,
  encodeRequest({ type: RequestType.SERVER_SIDE_EMIT, uid, data: ["ping", 1] }),
  decodeRequest,
);

const sharded = shardedChannels("socket.io", "/");
const message: ClusterMessage = {
  uid: "9ebc77c0d023f947",
  nsp: "/",
  type: ClusterMessageType.BROADCAST,
  data: { packet: { type: 2, data: ["hello", "world"] }, opts: { rooms: [], except: [], flags: {} } },
};
console.log("\nThe sharded transport (SPUBLISH) wraps the same operations in cluster messages:");
show('io.emit("hello", "world")', sharded.main, encodeClusterMessage(message), decodeClusterMessage, "SPUBLISH");

console.log(
  "\nThe full specification is packages/protocol/PROTOCOL.md; test vectors are in packages/protocol/vectors/.",
);
