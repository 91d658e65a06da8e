// Compile-time checks (tsc -p tsconfig.test.json, part of `pnpm test`): every supported client type is accepted
// by the constructor, and typed events drive emit() / emitWithAck() argument and result types.
import { Cluster, Redis } from "ioredis";
import { createClient } from "redis";
import { createClient as createClient4 } from "redis4";
import { Emitter } from "../src/index.js";

interface Events {
  hello: (a: string, b: number) => void;
  ask: (q: string, ack: (answer: number) => void) => void;
}
const r6 = createClient();
const r4 = createClient4();
const io = new Redis({ lazyConnect: true });
const e = new Emitter<Events>(r6, { subClient: r6.duplicate() });
new Emitter(r4, { subClient: r4.duplicate() });
new Emitter(io, { subClient: io.duplicate() });
new Emitter(new Cluster([], { lazyConnect: true }));
void e.emit("hello", "a", 1);
const answers: Promise<number[]> = e.timeout(10).emitWithAck("ask", "q");
void answers;

// the callback form of an acknowledged emit gets (err, every client's answer)
void e.emit("ask", "q", (err: Error | null, answers: number[]) => void [err, answers]);
// @ts-expect-error: the event's own ack signature is not what the emitter calls back with
void e.emit("ask", "q", (answer: number) => void answer);
// untyped emitters: any arguments, a callback anywhere last
const untyped = new Emitter(r6);
void untyped.emit("x", 1, "2", { three: 3 });
void untyped.emit("x", (err: Error | null, responses: unknown[]) => void [err, responses]);

// @ts-expect-error: wrong argument type for a typed event
void e.emit("hello", 1, 1);
// @ts-expect-error: unknown event name
void e.emit("nope");
