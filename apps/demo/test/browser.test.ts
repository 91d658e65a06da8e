// The demo page in a real browser: Debian's Chromium driven by playwright-core (never a downloaded browser), two
// pages on two instances of a running demo. Leaves a screenshot in apps/demo/test-artifacts/ for a person to look at.
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { after, before, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { type RunningDemo, runDemo } from "./helpers.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = new URL("../test-artifacts/", import.meta.url);
const WAIT_MS = 10_000;

let run: RunningDemo;
let browser: Browser;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  run = await runDemo(60_000); // the cron job stays quiet: this test counts messages
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  await run?.stop();
});

async function open(name: string): Promise<Page> {
  const url = run.demo.instances.find((p) => p.name === name)?.url;
  assert.ok(url, `instance ${name} is running`);
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url);
  await page.locator('#status[data-state="connected"]').waitFor({ timeout: WAIT_MS });
  return page;
}

/** Joins `room` and waits until the page has it as the room it sends to (the server confirmed the join). */
async function join(page: Page, room: string): Promise<void> {
  await page.fill("#room-input", room);
  await page.click("#join");
  await page.locator('#joined-rooms [aria-pressed="true"]', { hasText: room }).waitFor({ timeout: WAIT_MS });
}

async function send(page: Page, text: string): Promise<void> {
  await page.fill("#message-input", text);
  await page.click("#send");
}

function message(page: Page, text: string) {
  return page.locator("#messages li.message", { hasText: text });
}

test("two pages on two instances chat in a room, see the HTTP worker's message and a 3-server cluster", {
  timeout: 60_000,
}, async () => {
  const [pageA, pageB] = await Promise.all([open("A"), open("B")]);
  assert.match((await pageA.textContent("#instance")) ?? "", /\bA\b/);
  assert.match((await pageB.textContent("#instance")) ?? "", /\bB\b/);

  await Promise.all([join(pageA, "browsers"), join(pageB, "browsers")]);
  await send(pageA, "hello from A");
  await message(pageB, "hello from A").waitFor({ timeout: WAIT_MS });
  assert.match(
    (await message(pageB, "hello from A").textContent()) ?? "",
    /#browsers/,
    "sent to the room, not the lobby",
  );
  await send(pageB, "hello from B");
  await message(pageA, "hello from B").waitFor({ timeout: WAIT_MS });

  const res = await fetch(`${run.demo.worker.url}/notify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ room: "browsers", text: "from the HTTP worker" }),
  });
  assert.equal(res.status, 202);
  await Promise.all([pageA, pageB].map((page) => message(page, "from the HTTP worker").waitFor({ timeout: WAIT_MS })));

  for (const page of [pageA, pageB]) {
    await page.locator("#server-count", { hasText: /^3$/ }).waitFor({ timeout: WAIT_MS });
    await page.locator('#cluster-instances li[data-instance="C"]').waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator("#cluster-instances li").count(), 3);
    await page.locator("#rooms", { hasText: "browsers" }).waitFor({ timeout: WAIT_MS });
  }

  mkdirSync(ARTIFACTS, { recursive: true });
  await pageA.screenshot({ path: new URL("demo-instance-A.png", ARTIFACTS).pathname, fullPage: true });
  await pageB.screenshot({ path: new URL("demo-instance-B.png", ARTIFACTS).pathname, fullPage: true });
  await Promise.all([pageA.close(), pageB.close()]);
});

test("an instance killed under a page: it moves to a live instance, re-joins its rooms, the panel shows 2 servers", {
  timeout: 60_000,
}, async () => {
  const [pageA, pageB] = await Promise.all([open("A"), open("B")]);
  await Promise.all([join(pageA, "failover"), join(pageB, "failover")]);
  await send(pageA, "before the kill");
  await message(pageB, "before the kill").waitFor({ timeout: WAIT_MS });

  await run.demo.instances.find((p) => p.name === "A")?.stop("SIGKILL");
  await pageA.locator("#instance", { hasText: /\b[BC]\b/ }).waitFor({ timeout: WAIT_MS });
  await pageA.locator('#status[data-state="connected"]').waitFor({ timeout: WAIT_MS });
  for (const page of [pageA, pageB]) {
    await page.locator("#server-count", { hasText: /^2$/ }).waitFor({ timeout: WAIT_MS });
  }
  await send(pageA, "after the kill");
  await message(pageB, "after the kill").waitFor({ timeout: WAIT_MS });
  mkdirSync(ARTIFACTS, { recursive: true });
  await pageA.screenshot({ path: new URL("demo-after-failover.png", ARTIFACTS).pathname, fullPage: true });
});
