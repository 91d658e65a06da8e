// Checks every vector in vectors/*.json against our code: encode → exact hex, decode → value, channel names, and
// that the committed files are exactly what generate-vectors.ts builds now.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import {
  type BroadcastMessage,
  type ClassicRequest,
  type ClassicResponse,
  type ClusterMessage,
  classicChannels,
  decodeBroadcast,
  decodeClusterMessage,
  decodeRequest,
  decodeResponse,
  encodeBroadcast,
  encodeClusterMessage,
  encodeRequest,
  encodeResponse,
  type ParsedChannel,
  ProtocolError,
  parseChannel,
  type RequestType,
  shardedChannels,
} from "../src/index.js";
import {
  buildVectors,
  type ChannelVector,
  clusterChannel,
  fromTagged,
  hexOf,
  type MessageVector,
  type ParseVector,
  serialize,
  toTagged,
  VECTOR_FILES,
  VECTORS_DIR,
  type VectorFile,
} from "./generate-vectors.js";

function load<V>(name: string): VectorFile<V> {
  return JSON.parse(readFileSync(new URL(name, VECTORS_DIR), "utf8")) as VectorFile<V>;
}

function bytesOf(vector: MessageVector): Buffer {
  return Buffer.from(vector.hex, "hex");
}

function accepted<T>(value: T | ProtocolError | null): T {
  if (value instanceof ProtocolError) assert.fail(`decoder rejected the vector: ${value.message}`);
  assert.notEqual(value, null, "decoder returned null");
  return value as T;
}

function parsed(channel: string): ParsedChannel {
  const p = parseChannel(channel);
  if (p instanceof ProtocolError) assert.fail(`parseChannel rejected ${channel}: ${p.message}`);
  return p;
}

function checkFormat(vector: MessageVector): void {
  // the sniffing rule every receiver uses: JSON iff the first byte is "{"
  assert.equal(vector.format, vector.hex.startsWith("7b") ? "json" : "msgpack");
}

describe("vector files", () => {
  const built = buildVectors();
  for (const name of VECTOR_FILES) {
    test(`${name} is what generate-vectors.ts produces`, () => {
      assert.equal(readFileSync(new URL(name, VECTORS_DIR), "utf8"), serialize(built[name]));
    });
  }

  test("the two exact broadcasts of anchors §1.3 are reproduced byte for byte", () => {
    const hexes = load<MessageVector>("broadcast.json").vectors.map((v) => v.hex);
    assert.ok(
      hexes.includes(
        "93a7656d697474657283a47479706502a46461746192a568656c6c6fa5776f726c64a36e7370a12f83a5726f6f6d7390a5666c61677380a665786365707490",
      ),
    );
    assert.ok(
      hexes.includes(
        "93a661626364656683a47479706502a46461746192a2657601a36e7370a12f83a5726f6f6d7391a5726f6f6d31a665786365707490a5666c61677381a8766f6c6174696c65c3",
      ),
    );
  });
});

describe("broadcast.json", () => {
  for (const vector of load<MessageVector>("broadcast.json").vectors) {
    test(vector.name, () => {
      checkFormat(vector);
      const message = fromTagged(vector.value) as BroadcastMessage;
      assert.equal(hexOf(encodeBroadcast(message, vector.options)), vector.hex);
      assert.deepEqual(toTagged(accepted(decodeBroadcast(bytesOf(vector)))), vector.value);
      const p = parsed(vector.channel);
      assert.ok(p.kind === "broadcast" || p.kind === "room");
      assert.equal(p.nsp, message.packet.nsp);
      assert.equal(classicChannels(p.prefix, p.nsp).forBroadcast(message.opts.rooms), vector.channel);
    });
  }
});

describe("requests.json", () => {
  for (const vector of load<MessageVector>("requests.json").vectors) {
    test(vector.name, () => {
      checkFormat(vector);
      const request = fromTagged(vector.value) as ClassicRequest;
      assert.equal(hexOf(encodeRequest(request)), vector.hex);
      assert.deepEqual(toTagged(accepted(decodeRequest(bytesOf(vector)))), vector.value);
      const p = parsed(vector.channel);
      assert.equal(p.kind, "request");
      assert.equal(classicChannels(p.prefix, p.nsp).request, vector.channel);
    });
  }
});

describe("responses.json", () => {
  for (const vector of load<MessageVector>("responses.json").vectors) {
    test(vector.name, () => {
      checkFormat(vector);
      assert.equal(typeof vector.answers, "number");
      const answers = vector.answers as RequestType;
      const response = fromTagged(vector.value) as ClassicResponse;
      assert.equal(hexOf(encodeResponse(response)), vector.hex);
      const decoded = decodeResponse(bytesOf(vector), (id) => (id === response.requestId ? answers : undefined));
      assert.deepEqual(toTagged(accepted(decoded)), vector.value);
      // a node without that pending request gets null, not an error
      assert.equal(
        decodeResponse(bytesOf(vector), () => undefined),
        null,
      );
      const p = parsed(vector.channel);
      const chans = classicChannels(p.prefix, p.nsp);
      if (vector.requester === undefined) {
        assert.equal(p.kind, "response");
        assert.equal(chans.response, vector.channel);
      } else {
        assert.equal(p.kind, "node-response");
        assert.equal(chans.nodeResponse(vector.requester), vector.channel);
      }
    });
  }
});

describe("cluster.json", () => {
  for (const vector of load<MessageVector>("cluster.json").vectors) {
    test(vector.name, () => {
      checkFormat(vector);
      const message = fromTagged(vector.value) as ClusterMessage;
      assert.equal(hexOf(encodeClusterMessage(message)), vector.hex);
      assert.deepEqual(toTagged(accepted(decodeClusterMessage(bytesOf(vector)))), vector.value);
      const p = parsed(vector.channel);
      assert.equal(p.nsp, message.nsp);
      assert.equal(clusterChannel(message, p.prefix, p.nsp, vector.requester), vector.channel);
      if (vector.requester !== undefined) {
        assert.equal(shardedChannels(p.prefix, p.nsp).node(vector.requester), vector.channel);
      }
    });
  }
});

describe("compat.json (decode only)", () => {
  for (const vector of load<MessageVector>("compat.json").vectors) {
    test(vector.name, () => {
      assert.equal(vector.decodeOnly, true);
      checkFormat(vector);
      const bytes = bytesOf(vector);
      const p = parsed(vector.channel);
      switch (vector.kind) {
        case "broadcast": {
          const decoded = accepted(decodeBroadcast(bytes));
          assert.deepEqual(toTagged(decoded), vector.value);
          assert.equal(classicChannels(p.prefix, decoded.packet.nsp).forBroadcast(decoded.opts.rooms), vector.channel);
          break;
        }
        case "request":
          assert.deepEqual(toTagged(accepted(decodeRequest(bytes))), vector.value);
          assert.equal(classicChannels(p.prefix, p.nsp).request, vector.channel);
          break;
        case "cluster": {
          const decoded = accepted(decodeClusterMessage(bytes));
          assert.deepEqual(toTagged(decoded), vector.value);
          // no nsp in the message: the channel says which namespace
          assert.equal(clusterChannel(decoded, p.prefix, decoded.nsp ?? p.nsp), vector.channel);
          break;
        }
        default:
          assert.fail(`unknown kind ${String(vector.kind)}`);
      }
    });
  }
});

describe("channels.json", () => {
  const vectors = load<ChannelVector | ParseVector>("channels.json").vectors;
  for (const vector of vectors) {
    test(vector.name, () => {
      if ("transport" in vector) {
        const c = classicChannels(vector.prefix, vector.namespace);
        const s = shardedChannels(vector.prefix, vector.namespace);
        const room = vector.room ?? "";
        const uid = vector.uid ?? "";
        const expected =
          vector.transport === "classic"
            ? {
                broadcast: c.broadcast,
                pattern: c.pattern,
                request: c.request,
                response: c.response,
                "node-response": c.nodeResponse(uid),
                room: c.room(room),
              }[vector.kind as string]
            : { main: s.main, node: s.node(uid), room: s.room(room) }[vector.kind as string];
        assert.equal(expected, vector.channel);
        if (vector.kind === "pattern") assert.equal(vector.parsed, undefined);
        else assert.deepEqual(parseChannel(vector.channel), vector.parsed);
        return;
      }
      const result = parseChannel(vector.channel, vector.prefix);
      if (vector.error !== undefined) {
        assert.ok(result instanceof ProtocolError);
        assert.equal(result.code, vector.error);
      } else {
        assert.deepEqual(result, vector.parsed);
      }
    });
  }
});
