// The `parser` option: a replacement for msgpack on broadcasts, BROADCAST requests and BROADCAST_ACK responses.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type BroadcastMessage,
  decodeBroadcast,
  decodeRequest,
  decodeResponse,
  encodeBroadcast,
  encodeRequest,
  encodeResponse,
  type Parser,
  ProtocolError,
  RequestType,
} from "../src/index.js";

// The custom parser users most often plug in (as in the official adapter's own tests): plain JSON.
const jsonParser: Parser = {
  encode: (value) => JSON.stringify(value),
  decode: (bytes) => JSON.parse(bytes.toString()),
};

const message: BroadcastMessage = {
  uid: "abcdef",
  packet: { type: 2, data: ["ev", 1, "2", [3]], nsp: "/" },
  opts: { rooms: ["room1"], except: [], flags: {} },
};

test("a broadcast round-trips through a custom parser, and its bytes are the parser's", () => {
  const payload = encodeBroadcast(message, { parser: jsonParser });
  assert.equal(
    payload,
    '["abcdef",{"type":2,"data":["ev",1,"2",[3]],"nsp":"/"},{"rooms":["room1"],"except":[],"flags":{}}]',
  );
  assert.deepEqual(decodeBroadcast(Buffer.from(payload), { parser: jsonParser }), message);
});

test("BROADCAST requests and BROADCAST_ACK responses go through the parser; other requests stay JSON", () => {
  const seen: unknown[] = [];
  const recording: Parser = {
    encode: (value) => {
      seen.push(value);
      return Buffer.from(JSON.stringify(value));
    },
    decode: jsonParser.decode,
  };
  const request = encodeRequest(
    { type: RequestType.BROADCAST, uid: "abcdef", requestId: "r1", packet: message.packet, opts: message.opts },
    { parser: recording },
  );
  encodeRequest({ type: RequestType.ALL_ROOMS, uid: "abcdef", requestId: "r2" }, { parser: recording });
  const ack = encodeResponse({ type: RequestType.BROADCAST_ACK, requestId: "r1", packet: "ok" }, { parser: recording });
  assert.equal(seen.length, 2, "only the BROADCAST request and the ack used the parser");
  assert.deepEqual(decodeRequest(request, { parser: jsonParser }), {
    type: RequestType.BROADCAST,
    uid: "abcdef",
    requestId: "r1",
    packet: message.packet,
    opts: message.opts,
  });
  assert.deepEqual(
    decodeResponse(ack, () => RequestType.BROADCAST, { parser: jsonParser }),
    { type: RequestType.BROADCAST_ACK, requestId: "r1", packet: "ok" },
  );
});

test("whatever a custom parser does wrong becomes a ProtocolError, never an exception", () => {
  const bytes = Buffer.from("\x00not json");
  const throwing: Parser = {
    encode: jsonParser.encode,
    decode: () => {
      throw new TypeError("boom");
    },
  };
  const failed = decodeBroadcast(bytes, { parser: throwing });
  assert.ok(failed instanceof ProtocolError);
  assert.equal(failed.code, "MALFORMED");
  assert.match(failed.message, /custom parser failed: boom/);

  const mapping: Parser = { encode: jsonParser.encode, decode: () => new Map([["a", 1]]) };
  assert.equal((decodeBroadcast(bytes, { parser: mapping }) as ProtocolError).code, "MALFORMED");

  const proto = Buffer.from('["abcdef",{"type":2,"data":["ev",{"__proto__":{"x":1}}],"nsp":"/"},{"rooms":[]}]');
  assert.equal((decodeBroadcast(proto, { parser: jsonParser }) as ProtocolError).code, "FORBIDDEN_KEY");

  let deep = "1";
  for (let i = 0; i < 200; i++) deep = `[${deep}]`;
  const tooDeep = Buffer.from(`["abcdef",{"type":2,"data":["ev",${deep}],"nsp":"/"},{"rooms":[]}]`);
  assert.equal((decodeBroadcast(tooDeep, { parser: jsonParser }) as ProtocolError).code, "TOO_DEEP");
});

test("an encoder given what the wire cannot carry throws a ProtocolError that says so", () => {
  const withBigInt: BroadcastMessage = { ...message, packet: { type: 2, data: ["ev", 10n], nsp: "/" } };
  assert.throws(
    () => encodeBroadcast(withBigInt),
    (err: unknown) => err instanceof ProtocolError && err.code === "UNENCODABLE",
  );
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(
    () => encodeRequest({ type: RequestType.SERVER_SIDE_EMIT, uid: "abcdef", data: ["ev", cyclic] }),
    (err: unknown) => err instanceof ProtocolError && err.code === "UNENCODABLE",
  );
});
