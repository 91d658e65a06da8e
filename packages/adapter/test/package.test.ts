// The package as users get it: ESM import and CommonJS require() of "@sio-redis/adapter" (Node 20), and what
// `npm publish` would ship.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, sep } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
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

function packageVersion(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
}

test("the type fixtures (test/types) check the published declarations, on Socket.IO 4.8 and on 4.6", () => {
  // the `test` script type-checks them; this checks what they were checked against
  const dir = fileURLToPath(root);
  const tsc = join(dir, "node_modules", ".bin", "tsc");
  const expected = [
    ["tsconfig.json", "4.8."],
    ["tsconfig.sio46.json", "4.6."],
  ] as const;
  for (const [config, version] of expected) {
    const files = execFileSync(tsc, ["-p", join("test", "types", config), "--listFilesOnly"], {
      cwd: dir,
      encoding: "utf8",
    })
      .split(/\r?\n/)
      .filter(Boolean);
    const socketIo = files
      .filter((file) => /[\\/]socket\.io[\\/]dist[\\/]index\.d\.ts$/.test(file))
      .map((file) => packageVersion(join(dirname(file), "..")));
    assert.equal(socketIo.length, 1, `${config}: one copy of socket.io's declarations, got ${socketIo.join(", ")}`);
    assert.ok(socketIo[0]?.startsWith(version), `${config}: socket.io ${version}x, got ${socketIo[0]}`);
    const ours = files.filter((file) => file.startsWith(dir) && !file.includes(`${sep}node_modules${sep}`));
    for (const entry of ["dist/esm/index.d.ts", "dist/cjs/commonjs.d.ts"]) {
      assert.ok(ours.includes(join(dir, entry)), `${config}: the fixtures reach ${entry} through the exports map`);
    }
    assert.deepEqual(
      ours.filter((file) => file.startsWith(join(dir, "src"))),
      [],
      `${config}: the fixtures never see the sources`,
    );
  }
});
