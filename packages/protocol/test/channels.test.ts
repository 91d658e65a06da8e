// Channel names must be byte-exact (anchors §1.2 classic, §2.2 sharded): a single differing byte and no
// server ever sees the message.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  classicChannels,
  DEFAULT_PREFIX,
  normalizeNamespace,
  type ParsedChannel,
  ProtocolError,
  parseChannel,
  shardedChannels,
  wireRoom,
} from "../src/index.js";

function parsed(channel: string | Uint8Array, prefix?: string): ParsedChannel {
  const result = parseChannel(channel, prefix);
  if (result instanceof ProtocolError) assert.fail(`rejected ${String(channel)}: ${result.message}`);
  return result;
}

function rejected(channel: string, prefix?: string): ProtocolError {
  const result = parseChannel(channel, prefix);
  assert.ok(result instanceof ProtocolError, `accepted ${channel}`);
  assert.equal(result.code, "MALFORMED");
  return result;
}

describe("classic channels (anchors §1.2)", () => {
  test("default prefix and namespace", () => {
    const ch = classicChannels();
    assert.equal(DEFAULT_PREFIX, "socket.io");
    assert.equal(ch.prefix, "socket.io");
    assert.equal(ch.nsp, "/");
    assert.equal(ch.broadcast, "socket.io#/#");
    assert.equal(ch.pattern, "socket.io#/#*");
    assert.equal(ch.request, "socket.io-request#/#");
    assert.equal(ch.response, "socket.io-response#/#");
    assert.equal(ch.room("room1"), "socket.io#/#room1#");
    assert.equal(ch.nodeResponse("abcdef"), "socket.io-response#/#abcdef#");
  });

  test("custom prefix and namespace", () => {
    const ch = classicChannels("my-app", "/admin");
    assert.equal(ch.broadcast, "my-app#/admin#");
    assert.equal(ch.pattern, "my-app#/admin#*");
    assert.equal(ch.request, "my-app-request#/admin#");
    assert.equal(ch.response, "my-app-response#/admin#");
    assert.equal(ch.room("ops"), "my-app#/admin#ops#");
    assert.equal(ch.nodeResponse("Zz9_-a"), "my-app-response#/admin#Zz9_-a#");
  });

  test("room names are used verbatim: '#', numbers, UTF-8, socket ids", () => {
    const ch = classicChannels();
    assert.equal(ch.room("a#b"), "socket.io#/#a#b#");
    assert.equal(ch.room(42), "socket.io#/#42#");
    assert.equal(ch.room(1.5), "socket.io#/#1.5#");
    assert.equal(ch.room("café ☕"), "socket.io#/#café ☕#");
    assert.equal(ch.room("mJ0Tx4rg8LckHcZ2AAAB"), "socket.io#/#mJ0Tx4rg8LckHcZ2AAAB#");
  });

  test("the pattern covers the broadcast channel and every room channel", () => {
    const ch = classicChannels("socket.io", "/chat");
    const literal = ch.pattern.slice(0, -1);
    assert.ok(ch.pattern.endsWith("*"));
    for (const name of [ch.broadcast, ch.room("x"), ch.room("a#b")]) assert.ok(name.startsWith(literal));
    // but not other namespaces sharing a prefix of the name
    assert.ok(!classicChannels("socket.io", "/chatroom").broadcast.startsWith(literal));
  });
});

describe("namespace normalisation", () => {
  test("a missing leading '/' is added", () => {
    assert.equal(normalizeNamespace("admin"), "/admin");
    assert.equal(normalizeNamespace("/admin"), "/admin");
    assert.equal(normalizeNamespace(""), "/");
    assert.equal(normalizeNamespace("/"), "/");
  });

  test("channels of 'admin' and '/admin' are identical", () => {
    const a = classicChannels("socket.io", "admin");
    const b = classicChannels("socket.io", "/admin");
    for (const key of ["nsp", "broadcast", "pattern", "request", "response"] as const) assert.equal(a[key], b[key]);
    assert.equal(a.room("r"), b.room("r"));
    assert.equal(a.nodeResponse("u"), b.nodeResponse("u"));
    assert.equal(shardedChannels("socket.io", "admin").main, "socket.io#/admin#");
    assert.equal(classicChannels("socket.io", "").broadcast, "socket.io#/#");
  });
});

describe("forBroadcast: exactly one room → room channel", () => {
  const ch = classicChannels();
  test("no room → broadcast channel", () => assert.equal(ch.forBroadcast([]), "socket.io#/#"));
  test("one room → its channel", () => assert.equal(ch.forBroadcast(["room1"]), "socket.io#/#room1#"));
  test("one numeric room", () => assert.equal(ch.forBroadcast([42]), "socket.io#/#42#"));
  test("two rooms → broadcast channel", () => assert.equal(ch.forBroadcast(["r1", "r2"]), "socket.io#/#"));
  test("many rooms → broadcast channel", () => assert.equal(ch.forBroadcast(["a", "b", "c", "d"]), ch.broadcast));
  test("property: room channel iff length is 1", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.integer())), (rooms) => {
        const expected = rooms.length === 1 ? ch.room(rooms[0] as string | number) : ch.broadcast;
        assert.equal(ch.forBroadcast(rooms), expected);
      }),
      { numRuns: 200 },
    );
  });
});

describe("sharded channels (anchors §2.2)", () => {
  test("main, node and room channels", () => {
    const sh = shardedChannels();
    assert.equal(sh.prefix, "socket.io");
    assert.equal(sh.nsp, "/");
    assert.equal(sh.main, "socket.io#/#");
    assert.equal(sh.node("9ebc77c0d023f947"), "socket.io#/#9ebc77c0d023f947#");
    assert.equal(sh.room("room1"), "socket.io#/#room1#");
    assert.equal(sh.room(7), "socket.io#/#7#");
  });

  test("custom channelPrefix and namespace", () => {
    const sh = shardedChannels("my-app", "/admin");
    assert.equal(sh.main, "my-app#/admin#");
    assert.equal(sh.node("9ebc77c0d023f947"), "my-app#/admin#9ebc77c0d023f947#");
    assert.equal(sh.room("a#b"), "my-app#/admin#a#b#");
  });

  test("same strings as the classic broadcast/room channels (separate Redis space)", () => {
    const ch = classicChannels("p", "/n");
    const sh = shardedChannels("p", "/n");
    assert.equal(sh.main, ch.broadcast);
    assert.equal(sh.room("r"), ch.room("r"));
  });
});

describe("parseChannel", () => {
  test("every classic kind round-trips", () => {
    for (const prefix of ["socket.io", "my-app", "a.b.c"]) {
      for (const nsp of ["/", "/admin", "/a/b"]) {
        const ch = classicChannels(prefix, nsp);
        assert.deepEqual(parsed(ch.broadcast), { kind: "broadcast", prefix, nsp });
        assert.deepEqual(parsed(ch.request), { kind: "request", prefix, nsp });
        assert.deepEqual(parsed(ch.response), { kind: "response", prefix, nsp });
        assert.deepEqual(parsed(ch.room("room1")), { kind: "room", prefix, nsp, room: "room1" });
        assert.deepEqual(parsed(ch.nodeResponse("abcdef")), { kind: "node-response", prefix, nsp, uid: "abcdef" });
        // and with the prefix given
        assert.deepEqual(parsed(ch.request, prefix), { kind: "request", prefix, nsp });
        assert.deepEqual(parsed(ch.room("x#y"), prefix), { kind: "room", prefix, nsp, room: "x#y" });
      }
    }
  });

  test("rooms containing '#' (everything up to the final '#')", () => {
    assert.deepEqual(parsed("socket.io#/chat#a#b#"), { kind: "room", prefix: "socket.io", nsp: "/chat", room: "a#b" });
    assert.deepEqual(parsed("socket.io#/#a#b#"), { kind: "room", prefix: "socket.io", nsp: "/", room: "a#b" });
    assert.deepEqual(parsed("socket.io#/###"), { kind: "room", prefix: "socket.io", nsp: "/", room: "#" });
    assert.deepEqual(parsed("socket.io#/##x#"), { kind: "room", prefix: "socket.io", nsp: "/", room: "#x" });
  });

  test("numeric rooms come back as text", () => {
    assert.deepEqual(parsed(classicChannels().room(42)), { kind: "room", prefix: "socket.io", nsp: "/", room: "42" });
  });

  test("an empty room reads as the broadcast channel", () => {
    assert.deepEqual(parsed("socket.io#/##"), { kind: "broadcast", prefix: "socket.io", nsp: "/" });
  });

  test("sharded names: main reads as broadcast, node as a room named by the uid", () => {
    const sh = shardedChannels("socket.io", "/admin");
    assert.deepEqual(parsed(sh.main), { kind: "broadcast", prefix: "socket.io", nsp: "/admin" });
    assert.deepEqual(parsed(sh.node("9ebc77c0d023f947")), {
      kind: "room",
      prefix: "socket.io",
      nsp: "/admin",
      room: "9ebc77c0d023f947",
    });
  });

  test("bytes (as Redis delivers channel names) are read as UTF-8", () => {
    assert.deepEqual(parsed(Buffer.from("socket.io#/#café#")), {
      kind: "room",
      prefix: "socket.io",
      nsp: "/",
      room: "café",
    });
    assert.deepEqual(parsed(new TextEncoder().encode("socket.io-request#/#")), {
      kind: "request",
      prefix: "socket.io",
      nsp: "/",
    });
  });

  test("custom prefixes, including ones that look like a kind", () => {
    assert.deepEqual(parsed("my-app-response#/admin#abcdef#"), {
      kind: "node-response",
      prefix: "my-app",
      nsp: "/admin",
      uid: "abcdef",
    });
    // without a prefix, "-request" is read as the kind; with it, the prefix wins
    assert.deepEqual(parsed("my-request#/#"), { kind: "request", prefix: "my", nsp: "/" });
    assert.deepEqual(parsed("my-request#/#", "my-request"), { kind: "broadcast", prefix: "my-request", nsp: "/" });
    assert.deepEqual(parsed("my-request-request#/#", "my-request"), {
      kind: "request",
      prefix: "my-request",
      nsp: "/",
    });
    // a prefix containing '#'
    assert.deepEqual(parsed("a#b#/#", "a#b"), { kind: "broadcast", prefix: "a#b", nsp: "/" });
  });

  test("rejections", () => {
    rejected("");
    rejected("foo");
    rejected("socket.io");
    rejected("socket.io#admin#");
    rejected("socket.io#/");
    rejected("socket.io#/#room1");
    rejected("socket.io-request#/#x#");
    rejected("socket.io-request#/##");
    rejected("socket.io-response#/##");
    rejected("socket.io#admin#", "socket.io");
    rejected("other#/#", "socket.io");
    rejected("socket.iox#/#", "socket.io");
    rejected("socket.io-request#/#uid#", "socket.io");
  });

  test("property: room channels round-trip for any room, prefix and namespace", () => {
    const noHash = fc.string({ minLength: 1 }).filter((s) => !s.includes("#"));
    fc.assert(
      fc.property(noHash, noHash, fc.string({ minLength: 1 }), (prefix, nspName, room) => {
        const nsp = normalizeNamespace(nspName);
        const ch = classicChannels(prefix, nsp);
        assert.deepEqual(parsed(ch.room(room), prefix), { kind: "room", prefix, nsp, room });
        assert.deepEqual(parsed(ch.broadcast, prefix), { kind: "broadcast", prefix, nsp });
        assert.deepEqual(parsed(ch.request, prefix), { kind: "request", prefix, nsp });
        assert.deepEqual(parsed(ch.nodeResponse(room), prefix), { kind: "node-response", prefix, nsp, uid: room });
      }),
      { numRuns: 300 },
    );
  });

  test("property: without a prefix, round-trips for prefixes without '#' or a kind suffix", () => {
    const prefixes = fc
      .string({ minLength: 1 })
      .filter((s) => !s.includes("#") && !s.endsWith("-request") && !s.endsWith("-response"));
    const nspNames = fc.string().filter((s) => !s.includes("#"));
    fc.assert(
      fc.property(prefixes, nspNames, fc.string({ minLength: 1 }), (prefix, nspName, room) => {
        const nsp = normalizeNamespace(nspName);
        const ch = classicChannels(prefix, nsp);
        assert.deepEqual(parsed(ch.room(room)), { kind: "room", prefix, nsp, room });
        assert.deepEqual(parsed(ch.response), { kind: "response", prefix, nsp });
      }),
      { numRuns: 300 },
    );
  });
});

describe("wire forms", () => {
  test("wireRoom: a lone surrogate becomes U+FFFD, as UTF-8 carries it; anything else is returned as is", () => {
    assert.equal(wireRoom("\uD800"), "\uFFFD");
    assert.equal(wireRoom("a\uDC00b"), "a\uFFFDb");
    assert.equal(wireRoom("😀"), "😀");
    assert.equal(wireRoom(7), 7);
    const ch = classicChannels("p", "/");
    assert.equal(ch.room("\uD800"), ch.room("\uFFFD"));
    assert.equal(ch.forBroadcast(["\uD800"]), "p#/#\uFFFD#");
    // the same bytes on the wire
    assert.deepEqual(Buffer.from(ch.room("\uD800")), Buffer.from(ch.room("\uFFFD")));
  });

  test("literalBroadcast: the broadcast channel as a pattern that matches it alone", () => {
    assert.equal(classicChannels("socket.io", "/").literalBroadcast, "socket.io#/#");
    assert.equal(classicChannels("a*b?[c]\\", "/x").literalBroadcast, "a\\*b\\?\\[c\\]\\\\#/x#");
  });
});
