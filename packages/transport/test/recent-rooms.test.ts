// RecentRooms with node's mock clock: a room joined with socketsJoin sends its broadcasts on the namespace channel
// for 2 s, then on its own channel again, and nothing is held after that.
import assert from "node:assert/strict";
import { test } from "node:test";
import { RecentRooms } from "../src/index.js";

test("a joined room's broadcasts take the namespace channel for the window, then their own", (t) => {
  t.mock.timers.enable({ apis: ["Date"] });
  const recent = new RecentRooms(2000);
  assert.equal(recent.channelFor("p#/#a#", "p#/#"), "p#/#a#");
  recent.add(["p#/#a#"]);
  assert.equal(recent.channelFor("p#/#a#", "p#/#"), "p#/#");
  assert.equal(recent.channelFor("p#/#b#", "p#/#"), "p#/#b#", "other rooms keep their channel");
  t.mock.timers.tick(1999);
  assert.equal(recent.channelFor("p#/#a#", "p#/#"), "p#/#");
  t.mock.timers.tick(1);
  assert.equal(recent.channelFor("p#/#a#", "p#/#"), "p#/#a#");
  assert.equal(recent.size, 0, "nothing held once the window has passed");
});
