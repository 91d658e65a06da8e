// A batch of PUBLISHes as one EVAL of a small Lua script: both client libraries spend far more per command and per
// argument than Redis spends per PUBLISH. Where Redis refuses scripts (ACLs, proxies, replicas) batches go as
// pipelines of plain PUBLISHes instead.
import createDebug from "debug";
import type { Message } from "./publish-queue.js";

const debug = createDebug("sio-redis:transport");

// Publishes runs of messages: ARGV is `channel, n, message1 … messageN` repeated, so that a batch to one channel
// (the usual case: every broadcast of a namespace) names it once. Like a pipeline, a PUBLISH that fails (an ACL
// on one channel) does not stop the others; the first failure is answered, marked so that it cannot be taken
// for a refusal to run the script at all. Redis counts each PUBLISH in INFO commandstats as usual.
const FAILED_INSIDE = "SIOREDIS";
export const PUBLISH_SCRIPT = [
  "local i, total, failure = 1, 0, nil",
  "while i <= #ARGV do",
  "  local channel, n = ARGV[i], tonumber(ARGV[i + 1])",
  "  for j = i + 2, i + 1 + n do",
  "    local reply = redis.pcall('PUBLISH', channel, ARGV[j])",
  "    if type(reply) == 'table' and reply.err then failure = failure or reply.err end",
  "  end",
  "  total, i = total + n, i + 2 + n",
  "end",
  `if failure then return redis.error_reply('${FAILED_INSIDE} ' .. failure) end`,
  "return total",
].join("\n");

/** The arguments of EVAL for a batch: the script, no keys, then runs of `channel, n, messages…`. */
function scriptArgs(messages: readonly Message[]): Array<string | Buffer> {
  const args: Array<string | Buffer> = ["EVAL", PUBLISH_SCRIPT, "0"];
  let previous: string | undefined;
  let countAt = 0; // where the current run's message count goes
  for (const [channel, payload] of messages) {
    if (channel !== previous) {
      if (previous !== undefined) args[countAt] = String(args.length - countAt - 1);
      previous = channel;
      args.push(channel, "");
      countAt = args.length - 1;
    }
    args.push(payload);
  }
  args[countAt] = String(args.length - countAt - 1);
  return args;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// Errors by which Redis refuses EVAL before running any of it: safe to send the batch again as PUBLISHes.
// Permanent: no permission for EVAL, no such command (proxies), a read-only replica, a script Redis cannot compile.
const SCRIPTS_REFUSED = /^(NOPERM|ERR unknown command|READONLY|ERR Error compiling script)/;

/** An error reply of Redis (the command was refused or failed), as opposed to a lost connection or a timeout. */
function isReplyError(err: unknown): boolean {
  // node-redis: ErrorReply (and its SimpleError / BlobError subclasses); ioredis and node-redis 3: ReplyError
  for (let proto = Object.getPrototypeOf(err); proto; proto = Object.getPrototypeOf(proto)) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name;
    if (name === "ErrorReply" || name === "ReplyError") return true;
  }
  return false;
}

/**
 * Sends a batch through the publish script, or through `pipeline` once Redis has refused scripts. A batch
 * refused before it ran is sent again as a pipeline; one that failed while running is not (its other messages
 * went out), nor one whose fate is unknown (a lost connection): the callers get the error instead.
 */
export function scriptedPublish(connection: {
  /** Sends one command (`EVAL …`). */
  command(args: Array<string | Buffer>): Promise<unknown>;
  /** Sends the PUBLISHes of a batch together (two or more). */
  pipeline(messages: readonly Message[]): Promise<unknown>;
  /** One PUBLISH: for a batch of one, cheaper than a pipeline (whose creation alone costs more than it). */
  publish(channel: string, payload: Buffer | string): Promise<unknown>;
}): (messages: readonly Message[], alone: boolean) => Promise<unknown> {
  let scripts = true;
  const withoutScript = (messages: readonly Message[]) => {
    const [only] = messages;
    return messages.length === 1 && only ? connection.publish(only[0], only[1]) : connection.pipeline(messages);
  };
  return async (messages, alone) => {
    // a script costs more than one PUBLISH (its text travels too): worth it from two messages on
    if (!scripts || alone) return withoutScript(messages);
    try {
      return await connection.command(scriptArgs(messages));
    } catch (err) {
      const text = errorText(err);
      if (text.startsWith(FAILED_INSIDE)) throw new Error(text.slice(FAILED_INSIDE.length + 1), { cause: err });
      if (SCRIPTS_REFUSED.test(text)) {
        if (scripts) debug("Redis refuses scripts (%s): publishing batches as pipelines", text);
        scripts = false;
      } else if (!isReplyError(err) && !/^OOM/.test(text)) {
        throw err; // the connection failed: whether the script ran is unknown, so it is not sent again
      }
      // Any other error reply (OOM at maxmemory, a proxy's refusal, BUSY) means the script did not run: this
      // batch goes as PUBLISHes.
      return withoutScript(messages);
    }
  };
}
