// The HTTP worker: `POST /notify {"room": "lobby", "text": "hi"}` publishes to that room on every instance through
// @sio-redis/emitter, like a backend job that has no Socket.IO of its own.
import http from "node:http";
import { chatEmitter } from "./emitter.js";
import { listen } from "./listen.js";
import { checkRoom, checkText, DEFAULT_ROOM } from "./messages.js";

const MAX_BODY = 16 * 1024;
const chat = await chatEmitter("HTTP worker", () => server.close());

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(`${JSON.stringify(body)}\n`);
}

const server = http.createServer((req, res) => {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  if (path !== "/notify") return reply(res, 404, { error: "not found: POST /notify" });
  if (req.method !== "POST") return reply(res, 405, { error: "method: use POST" });
  // JSON only: a web page cannot send that cross-origin without asking first (CORS preflight)
  if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) {
    return reply(res, 415, { error: "content-type: application/json is required" });
  }
  let body = "";
  let tooLarge = false;
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => {
    if (tooLarge) return;
    body += chunk;
    if (body.length > MAX_BODY) {
      tooLarge = true;
      res.setHeader("connection", "close");
      reply(res, 413, { error: `body: at most ${MAX_BODY} bytes` });
    }
  });
  req.on("end", async () => {
    if (tooLarge) return;
    let input: { room?: unknown; text?: unknown };
    try {
      input = JSON.parse(body) as typeof input;
    } catch {
      return reply(res, 400, { error: 'body: JSON like {"room": "lobby", "text": "hi"} is required' });
    }
    const room = checkRoom(input?.room ?? DEFAULT_ROOM);
    const text = checkText(input?.text);
    if (typeof room !== "string") return reply(res, 400, room);
    if (typeof text !== "string") return reply(res, 400, text);
    try {
      await chat.send(room, text);
      reply(res, 202, { ok: true, room });
    } catch (err) {
      reply(res, 503, { error: `redis: ${(err as Error).message}` });
    }
  });
});

const url = await listen(server, Number(process.env.PORT ?? 0));
console.log(`[worker] POST ${url}/notify`);
process.send?.({ type: "ready", url });
