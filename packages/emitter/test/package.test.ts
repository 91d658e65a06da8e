// The package as users get it: ESM import, CommonJS require() (Node 20), the sio-emit bin, and what
// `npm publish` would ship.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import * as esm from "@sio-redis/emitter";

const require = createRequire(import.meta.url);
const root = new URL("..", import.meta.url);

test("require() loads the CommonJS build with the same API as the ESM build", () => {
  const cjs = require("@sio-redis/emitter") as typeof esm;
  assert.deepEqual(Object.keys(cjs).sort(), Object.keys(esm).sort());
  assert.match(require.resolve("@sio-redis/emitter"), /dist[\\/]cjs[\\/]index\.js$/);
  assert.equal(typeof cjs.Emitter, "function");
});

test("the sio-emit bin is an executable ESM script", () => {
  const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { bin: Record<string, string> };
  const bin = pkg.bin["sio-emit"];
  assert.ok(bin, "a sio-emit bin is declared");
  assert.match(readFileSync(new URL(bin, root), "utf8"), /^#!\/usr\/bin\/env node\n/);
});

test("the published files are the builds and their declarations, and no tests", () => {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json"], { cwd: root, encoding: "utf8" });
  const [{ files }] = JSON.parse(out) as [{ files: Array<{ path: string }> }];
  const paths = files.map((f) => f.path);
  for (const expected of [
    "dist/esm/index.js",
    "dist/esm/index.d.ts",
    "dist/esm/cli.js",
    "dist/cjs/index.js",
    "dist/cjs/index.d.ts",
    "dist/cjs/package.json",
    "README.md",
    "package.json",
  ]) {
    assert.ok(paths.includes(expected), `${expected} is published`);
  }
  assert.deepEqual(
    paths.filter((p) => /(^|\/)test\/|\.test\.|\.map$|tsbuildinfo/.test(p)),
    [],
    "no tests, source maps or build info are published",
  );
});
