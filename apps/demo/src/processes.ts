// Starts and stops the demo's processes: N Socket.IO instances, the cron job and the HTTP worker, each a child
// process that reports ready over IPC and is stopped by its PID. Used by the launcher (main.ts) and the tests.
import { type ChildProcess, fork } from "node:child_process";
import type { Endpoint, PeersMessage, ReadyMessage } from "./messages.js";

export interface DemoOptions {
  redisUrl: string;
  /** Socket.IO instances, named A, B, C…; default 3. */
  instances?: number;
  /** The worker listens on `basePort`, instance i on `basePort + 1 + i` (a free port where taken). 0: all free. */
  basePort?: number;
  /** How often the cron job posts, in ms. */
  cronMs?: number;
  /** Receives every line the processes print, prefixed with their name. Default: this process's stdout/stderr. */
  log?: (line: string, stream: "stdout" | "stderr") => void;
  /** Aborting it during startup stops what was started (by PID) and rejects. */
  signal?: AbortSignal;
}

/** One child process of the demo. */
export interface DemoProcess {
  readonly name: string;
  readonly pid: number;
  readonly url: string | undefined;
  /** True once it exited (stopped, killed, crashed). */
  readonly exited: boolean;
  /** Resolves when it exits, with how. */
  readonly exit: Promise<string>;
  /** Sends `signal` to its PID and waits until it exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface Demo {
  readonly instances: readonly DemoProcess[];
  readonly worker: DemoProcess;
  readonly cron: DemoProcess;
  /** Stops every process, by PID; safe to call twice. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const here = (file: string) => new URL(file, import.meta.url);

function start(
  name: string,
  file: string,
  env: Record<string, string>,
  log: NonNullable<DemoOptions["log"]>,
): { child: ChildProcess; process: DemoProcess; ready: Promise<void> } {
  const child = fork(here(file), [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  // e.g. an IPC message to a child that just died: reported, never thrown at the launcher
  child.on("error", (err) => log(`[${name}] ${err.message}`, "stderr"));
  for (const stream of ["stdout", "stderr"] as const) {
    let rest = "";
    child[stream]
      ?.setEncoding("utf8")
      .on("data", (chunk: string) => {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop() ?? "";
        for (const line of lines) log(line, stream);
      })
      .on("end", () => {
        if (rest !== "") log(rest, stream);
      });
  }
  let url: string | undefined;
  const exit = new Promise<string>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ? `killed by ${signal}` : `exit code ${code}`)),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    child.on("message", (message: ReadyMessage) => {
      if (message.type !== "ready") return;
      clearTimeout(timer);
      url = message.url;
      resolve();
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before it was ready (${signal ?? `code ${code}`})`));
    });
  });
  const demoProcess: DemoProcess = {
    name,
    pid: child.pid ?? -1,
    get url() {
      return url;
    },
    get exited() {
      return child.exitCode !== null || child.signalCode !== null;
    },
    exit,
    async stop(signal = "SIGTERM") {
      if (demoProcess.exited) return;
      child.kill(signal);
      // a process that does not stop within 3 s is killed
      const killer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exit;
      clearTimeout(killer);
    },
  };
  return { child, process: demoProcess, ready };
}

/** Starts the demo's processes and resolves once every one of them is ready. */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const count = options.instances ?? 3;
  const base = options.basePort ?? 0;
  const log =
    options.log ?? ((line, stream) => (stream === "stderr" ? process.stderr : process.stdout).write(`${line}\n`));
  const env = { REDIS_URL: options.redisUrl };
  const port = (offset: number) => String(base === 0 ? 0 : base + offset);
  const started = [
    ...Array.from({ length: count }, (_, i) => {
      const name = String.fromCharCode(65 + i);
      return start(name, "./instance.ts", { ...env, INSTANCE: name, PORT: port(1 + i) }, log);
    }),
    start("worker", "./worker.ts", { ...env, PORT: port(0) }, log),
    start("cron", "./cron.ts", { ...env, CRON_MS: String(options.cronMs ?? 10_000) }, log),
  ];
  const all = started.map((s) => s.process);
  const stop = async () => {
    await Promise.all(all.map((p) => p.stop()));
  };
  const aborted = new Promise<never>((_, reject) => {
    const abort = () => reject(new Error("stopped while starting"));
    if (options.signal?.aborted) abort();
    options.signal?.addEventListener("abort", abort, { once: true });
  });
  aborted.catch(() => {}); // an abort after startup is not this function's business
  try {
    await Promise.race([Promise.all(started.map((s) => s.ready)), aborted]);
  } catch (err) {
    await stop();
    throw err;
  }
  const instances = all.slice(0, count);
  const [worker, cron] = all.slice(count) as [DemoProcess, DemoProcess];
  // every instance learns where the others are: /config.json (links, failover) and CORS
  const peers: PeersMessage = {
    type: "peers",
    instances: instances.map((p): Endpoint => ({ name: p.name, url: p.url ?? "" })),
    workerUrl: worker.url ?? "",
  };
  for (const { child } of started.slice(0, count)) if (child.connected) child.send(peers);
  return { instances, worker, cron, stop };
}
