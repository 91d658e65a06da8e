// The emitter shared by the demo's non-Socket.IO processes (the cron job and the HTTP worker).
import { Emitter } from "@sio-redis/emitter";
import { createClient } from "redis";
import type { ChatMessage } from "./messages.js";

/**
 * Connects to REDIS_URL; `send` publishes a chat message to one room on every instance. The process stops on
 * SIGTERM/SIGINT or when its supervisor goes away (handlers set before connecting), calling `onStop` first.
 */
export async function chatEmitter(from: string, onStop: () => void) {
  const redis = createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
  const stop = () => {
    setTimeout(() => process.exit(0), 1000).unref(); // a Redis that does not answer must not keep it alive
    try {
      onStop();
    } catch {
      // stopped before it was fully set up: nothing of its own to close yet
    }
    redis
      .close()
      .catch(() => {})
      .finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  process.once("disconnect", stop);
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
