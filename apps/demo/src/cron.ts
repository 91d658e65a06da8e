// The "cron job": a process without Socket.IO that posts to the lobby on a timer through @sio-redis/emitter.
import { chatEmitter } from "./emitter.js";
import { DEFAULT_ROOM } from "./messages.js";

const every = Number(process.env.CRON_MS ?? 10_000);
let timer: NodeJS.Timeout | undefined;
const chat = await chatEmitter("cron job", () => clearInterval(timer));
let tick = 0;
timer = setInterval(() => {
  tick++;
  const time = new Date().toLocaleTimeString("en-GB");
  chat.send(DEFAULT_ROOM, `tick #${tick} at ${time}`).catch((err: Error) => console.error(`[cron] ${err.message}`));
}, every);
console.log(`[cron] posting to "${DEFAULT_ROOM}" every ${every / 1000} s`);
process.send?.({ type: "ready" });
