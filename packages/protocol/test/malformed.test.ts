// Every hand-made malformed input must come back as a ProtocolError with the expected code, without throwing
// and without touching any prototype.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import {
  decodeBroadcast,
  decodeClusterMessage,
  decodeRequest,
  decodeResponse,
  ProtocolError,
  parseChannel,
} from "../src/index.js";
import {
  CHANNEL_PREFIX,
  type MalformedCase,
  malformedCorpus,
  malformedVectorsJson,
  RESPONSE_REQUEST_ID,
} from "./malformed-corpus.js";

const objectKeys = Reflect.ownKeys(Object.prototype);
const arrayKeys = Reflect.ownKeys(Array.prototype);

function decodeCase(c: MalformedCase): unknown {
  const bytes = c.hex !== undefined ? Buffer.from(c.hex, "hex") : Buffer.from(c.text ?? "", "utf8");
  switch (c.decoder) {
    case "broadcast":
      return decodeBroadcast(bytes);
    case "request":
      return decodeRequest(bytes);
    case "response":
      return decodeResponse(bytes, (id) => (id === RESPONSE_REQUEST_ID ? c.answers : undefined));
    case "cluster":
      return decodeClusterMessage(bytes);
    case "channel":
      return parseChannel(c.text ?? "", CHANNEL_PREFIX);
  }
}

describe("malformed corpus", () => {
  test("has at least 200 cases, with unique names and one input each", () => {
    assert.ok(malformedCorpus.length >= 200, `only ${malformedCorpus.length} cases`);
    const names = new Set<string>();
    for (const c of malformedCorpus) {
      assert.ok(!names.has(c.name), `duplicate name: ${c.name}`);
      names.add(c.name);
      assert.ok((c.hex === undefined) !== (c.text === undefined), `${c.name}: exactly one of hex/text`);
      if (c.hex !== undefined) assert.match(c.hex, /^(?:[0-9a-f]{2})*$/, `${c.name}: bad hex`);
      assert.equal(c.decoder === "response", c.answers !== undefined, `${c.name}: answers iff a response`);
      if (c.decoder === "channel") assert.ok(c.text !== undefined, `${c.name}: channel names are text`);
    }
  });

  for (const c of malformedCorpus) {
    test(c.name, () => {
      let result: unknown;
      assert.doesNotThrow(() => {
        result = decodeCase(c);
      });
      assert.ok(result instanceof ProtocolError, `accepted: ${JSON.stringify(result)?.slice(0, 200)}`);
      assert.equal(result.code, c.expect, result.message);
    });
  }

  test("left Object.prototype and Array.prototype alone", () => {
    assert.deepEqual(Reflect.ownKeys(Object.prototype), objectKeys);
    assert.deepEqual(Reflect.ownKeys(Array.prototype), arrayKeys);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
  });

  test("vectors/malformed.json is what the corpus produces (run test/generate-malformed.ts)", () => {
    const committed = readFileSync(new URL("../vectors/malformed.json", import.meta.url), "utf8");
    assert.equal(committed, malformedVectorsJson());
  });
});
