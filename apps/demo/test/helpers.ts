// The demo as the tests run it: a private redis-server and every process of the demo, all stopped by PID; and
// socket.io-client helpers with bounded waits.
import { type RedisServer, startRedisServer, until, within } from "@sio-redis/testing";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";
import type { ChatMessage, ClusterSnapshot } from "../src/messages.js";
import { type Demo, startDemo } from "../src/processes.js";

export { until, within };

/** How long a client waits for the demo (processes on a busy CI machine are slower than in-process servers). */
const WAIT_MS = 10_000;

export interface RunningDemo {
  /** Replace it when restarting Redis, so that stop() stops the new one. */
  redis: RedisServer;
  demo: Demo;
  /** Output of every process, for failure messages. */
  log: string[];
  /** Stops every process and the redis-server, by PID. */
  stop(): Promise<void>;
}

/** A private redis-server plus the demo's processes (free ports only), quiet unless DEMO_LOG is set. */
export async function runDemo(cronMs = 300): Promise<RunningDemo> {
  const redis = await startRedisServer();
  const log: string[] = [];
  try {
    const demo = await startDemo({
      redisUrl: redis.url,
      basePort: 0,
      cronMs,
      log: (line) => {
        log.push(line);
        if (process.env.DEMO_LOG) console.log(line);
      },
    });
    const running: RunningDemo = {
      redis,
      demo,
      log,
      async stop() {
        await demo.stop();
        await running.redis.stop(); // the current one: a test may have restarted Redis
      },
    };
    return running;
  } catch (err) {
    await redis.stop();
    throw err;
  }
}

/** A chat client of one instance that records what it receives. */
export class ChatClient {
  readonly socket: ClientSocket;
  readonly messages: ChatMessage[] = [];

  constructor(url: string, name: string) {
    this.socket = connect(url, { transports: ["websocket"], auth: { name }, reconnection: false });
    this.socket.on("message", (message: ChatMessage) => this.messages.push(message));
  }

  connected(): Promise<void> {
    return within(
      new Promise<void>((resolve, reject) => {
        if (this.socket.connected) return resolve();
        this.socket.once("connect", () => resolve());
        this.socket.once("connect_error", reject);
      }),
      "the connection",
      WAIT_MS,
    );
  }

  request<T>(event: string, ...args: unknown[]): Promise<T> {
    const answer = this.socket.timeout(WAIT_MS).emitWithAck(event, ...args) as Promise<T>;
    return within(answer, `the answer to "${event}"`, WAIT_MS + 500);
  }

  cluster(): Promise<ClusterSnapshot> {
    return this.request<ClusterSnapshot>("cluster");
  }

  /** Waits for a message whose text matches. */
  async receive(text: string | RegExp, what = String(text)): Promise<ChatMessage> {
    const match = (m: ChatMessage) => (typeof text === "string" ? m.text === text : text.test(m.text));
    await until(() => this.messages.some(match), `"${what}" on ${this.socket.id}`, WAIT_MS);
    return this.messages.find(match) as ChatMessage;
  }

  close(): void {
    this.socket.disconnect();
  }
}
