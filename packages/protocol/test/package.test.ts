// The package as users get it: ESM import, CommonJS require() (Node 20), and what `npm publish` would ship.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { test } from "node:test";
import * as esm from "@sio-redis/protocol";

const require = createRequire(import.meta.url);

test("require() loads the CommonJS build with the same API as the ESM build", () => {
  const cjs = require("@sio-redis/protocol") as typeof esm;
  assert.deepEqual(Object.keys(cjs).sort(), Object.keys(esm).sort());
  assert.match(require.resolve("@sio-redis/protocol"), /dist[\\/]cjs[\\/]index\.js$/);
  const bytes = cjs.encodeBroadcast({
    uid: "emitter",
    packet: { type: 2, data: ["hello"], nsp: "/" },
    opts: { rooms: [], except: [], flags: {} },
  });
  assert.deepEqual(esm.decodeBroadcast(bytes), cjs.decodeBroadcast(bytes));
});

test("a ProtocolError from one build is instanceof ProtocolError of the other", () => {
  const cjs = require("@sio-redis/protocol") as typeof esm;
  const fromCjs = cjs.decodeRequest(Buffer.from('{"type":5}'));
  const fromEsm = esm.decodeRequest(Buffer.from('{"type":5}'));
  assert.ok(fromCjs instanceof esm.ProtocolError);
  assert.ok(fromEsm instanceof cjs.ProtocolError);
  assert.ok(!(new Error("x") instanceof esm.ProtocolError));
});

test("the published files are the builds, their declarations, the spec and the vectors, and no tests", () => {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json"], {
    cwd: new URL("..", import.meta.url),
    encoding: "utf8",
  });
  const [{ files }] = JSON.parse(out) as [{ files: Array<{ path: string }> }];
  const paths = files.map((f) => f.path);
  for (const expected of [
    "dist/esm/index.js",
    "dist/esm/index.d.ts",
    "dist/cjs/index.js",
    "dist/cjs/index.d.ts",
    "dist/cjs/package.json",
    "PROTOCOL.md",
    "README.md",
    "package.json",
  ]) {
    assert.ok(paths.includes(expected), `${expected} is published`);
  }
  assert.ok(
    paths.some((p) => p.startsWith("vectors/")),
    "vectors are published",
  );
  assert.deepEqual(
    paths.filter((p) => /(^|\/)test\/|\.test\.|\.map$|tsbuildinfo/.test(p)),
    [],
    "no tests, source maps or build info are published",
  );
});
