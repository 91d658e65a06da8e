// The emitter shared by the demo's non-Socket.IO processes (the cron job and the HTTP worker).
import { Emitter } from "@sio-redis/emitter";
import { createClient } from "redis";
import { exitOnStop } from "./lifecycle.js";
import type { ChatMessage } from "./messages.js";

/**
 * Connects to REDIS_URL; `send` publishes a chat message to one room on every instance. The process stops as
 * lifecycle.ts says (handlers set before connecting), running `cleanup` and then closing the connection.
 */
export async function chatEmitter(from: string, cleanup: () => unknown) {
  const onStop = exitOnStop();
  onStop(cleanup);
  const redis = createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
  onStop(() => redis.close());
  redis.on("error", (err: Error) => console.error(`[${from}] redis: ${err.message}`));
  await redis.connect();
  const emitter = new Emitter(redis);
  return {
    send(room: string, text: string): Promise<void> {
      const message: ChatMessage = { room, text, from, instance: null, at: Date.now() };
      return emitter.to(room).emit("message", message);
    },
  };
}
