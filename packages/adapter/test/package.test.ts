// The package as users get it: ESM import and CommonJS require() of "@sio-redis/adapter" (Node 20), and what
// `npm publish` would ship.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import redisAdapterDefault, * as esm from "@sio-redis/adapter";

const require = createRequire(import.meta.url);
const root = new URL("..", import.meta.url);

test("ESM: the default export is redisAdapter; createAdapter, RedisAdapter and redisAdapter are named exports", () => {
  assert.equal(typeof redisAdapterDefault, "function");
  assert.equal(redisAdapterDefault, esm.redisAdapter);
  assert.equal(esm.default, esm.redisAdapter);
  assert.equal(typeof esm.createAdapter, "function");
  assert.equal(typeof esm.RedisAdapter, "function");
  assert.match(import.meta.resolve("@sio-redis/adapter"), /dist\/esm\/index\.js$/);
});

test("CommonJS: require() gives the classic factory itself, with every named export on it", () => {
  assert.match(require.resolve("@sio-redis/adapter"), /dist[\\/]cjs[\\/]commonjs\.js$/);
  const cjs = require("@sio-redis/adapter") as typeof esm.redisAdapter & typeof esm;
  assert.equal(typeof cjs, "function", 'require("@sio-redis/adapter") is callable, like require("socket.io-redis")');
  assert.equal(typeof cjs.createAdapter, "function");
  assert.equal(typeof cjs.RedisAdapter, "function");
  assert.equal(typeof cjs.redisAdapter, "function");
  for (const name of Object.keys(esm).filter((key) => key !== "default")) {
    assert.ok(name in cjs, `${name} is exported by the CommonJS build too`);
  }
});

test("CommonJS: calling the required module creates a factory without connecting anywhere yet", () => {
  const cjs = require("@sio-redis/adapter") as typeof esm.redisAdapter;
  // a URI that cannot be parsed fails at once, through the same code as redisAdapter()
  assert.throws(() => cjs("127.0.0.1:notaport"), TypeError);
  assert.throws(() => cjs({ pubClient: {}, subClient: {} }), TypeError);
});

test("the published files are the builds, their declarations and package.json, and nothing else", () => {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json"], { cwd: root, encoding: "utf8" });
  const [{ files }] = JSON.parse(out) as [{ files: Array<{ path: string }> }];
  const paths = files.map((f) => f.path).sort();
  const expected = ["dist/esm/index.js", "dist/esm/index.d.ts", "dist/cjs/commonjs.js", "dist/cjs/commonjs.d.ts"];
  for (const path of [...expected, "dist/cjs/index.js", "dist/cjs/package.json", "package.json"]) {
    assert.ok(paths.includes(path), `${path} is published`);
  }
  // the README is being written: required once it exists
  const readme = existsSync(new URL("README.md", root));
  if (readme) assert.ok(paths.includes("README.md"), "README.md is published");
  const allowed = (p: string) =>
    /^dist\/(esm|cjs)\/[\w-]+(\.js|\.d\.ts)$/.test(p) ||
    p === "dist/cjs/package.json" ||
    p === "package.json" ||
    p === "README.md" ||
    /^(LICENSE|CHANGELOG\.md)$/.test(p);
  assert.deepEqual(
    paths.filter((p) => !allowed(p)),
    [],
    "only dist builds, package.json, README (and LICENSE/CHANGELOG) are published",
  );
  // every ESM module has its CommonJS twin and declarations
  for (const path of paths.filter((p) => /^dist\/esm\/.*\.js$/.test(p))) {
    const base = path.slice("dist/esm/".length, -".js".length);
    assert.ok(paths.includes(`dist/cjs/${base}.js`), `dist/cjs/${base}.js`);
    assert.ok(paths.includes(`dist/esm/${base}.d.ts`), `dist/esm/${base}.d.ts`);
  }
});
