// Bytes <-> values: the msgpack/JSON choice, safe decoding of both, and the binary test that picks the format.
import { isUtf8 } from "node:buffer";
import { encode as msgpackEncode } from "notepack.io";
import { ProtocolError } from "./errors.js";
import { decodeMsgpack } from "./msgpack.js";

/** What an encoder returns: msgpack bytes, or a JSON string (publish it as UTF-8). */
export type Payload = Buffer | string;

/**
 * A replacement for msgpack on the broadcast channel, the BROADCAST request and BROADCAST_ACK responses
 * (the `parser` option of `@socket.io/redis-adapter` 8 and `@socket.io/redis-emitter` 5.1).
 * JSON requests and responses never go through it.
 */
export interface Parser {
  encode(value: unknown): Uint8Array | string;
  decode(bytes: Buffer): unknown;
}

/** Limits applied to every decoded message. */
export interface DecodeOptions {
  /** Replaces msgpack where the ecosystem allows it (see {@link Parser}). */
  parser?: Parser;
  /** Deepest nesting of arrays/objects accepted, counting the message itself. Default 100. */
  maxDepth?: number;
}

export const DEFAULT_MAX_DEPTH = 100;

const OPEN_BRACE = 0x7b;

export function toBuffer(input: Uint8Array | string): Buffer {
  if (typeof input === "string") return Buffer.from(input);
  return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

/** True when the bytes are a JSON object: the rule shared by every sender is "first byte `{`". */
function isJson(bytes: Uint8Array): boolean {
  return bytes[0] === OPEN_BRACE;
}

function asProtocolError(err: unknown, what: string): ProtocolError {
  if (err instanceof ProtocolError) return err;
  // A stack overflow from a custom parser on deep input is a RangeError: still the sender's fault.
  const message = err instanceof Error ? err.message : String(err);
  return new ProtocolError("MALFORMED", `${what}: ${message}`, "", { cause: err });
}

/** Decodes msgpack, or the custom parser's format, into a checked value. Never throws. */
export function decodeBinary(bytes: Buffer, options: DecodeOptions | undefined): unknown {
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  const parser = options?.parser;
  try {
    if (!parser) return decodeMsgpack(bytes, maxDepth);
    const value = parser.decode(bytes);
    checkTree(value, maxDepth);
    return value;
  } catch (err) {
    return asProtocolError(err, parser ? "custom parser failed" : "invalid msgpack");
  }
}

/** Decodes a JSON message into a checked value. Never throws. */
function decodeJson(bytes: Buffer, options: DecodeOptions | undefined): unknown {
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  // JSON is UTF-8 (every sender's JSON.stringify output is); checking first spares decoding megabytes of garbage.
  if (!isUtf8(bytes)) return new ProtocolError("MALFORMED", "invalid JSON: not UTF-8");
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    return asProtocolError(err, "invalid JSON");
  }
  // Depth and "__proto__" keys are checked on the parsed value, in one walk that stops at the depth limit. V8's
  // JSON.parse is iterative: megabytes of nested brackets cost it what as many flat ones do (linear), so a byte
  // scan before it protects nothing and, on the usual message (mostly string contents), costs about as much as
  // the parse itself.
  try {
    checkJsonTree(value, maxDepth);
  } catch (err) {
    return asProtocolError(err, "invalid JSON");
  }
  return value;
}

/**
 * {@link checkTree} for what JSON.parse produced: only plain arrays and objects, no prototypes to check. A
 * "__proto__" key (JSON.parse keeps it as an own property) is reported once the whole value is known not to be
 * too deep, so that a value with both defects is TOO_DEEP, whichever comes first in the walk.
 */
function checkJsonTree(root: unknown, maxDepth: number): void {
  if (typeof root !== "object" || root === null) return;
  const values: object[] = [root];
  const depths: number[] = [0];
  let forbidden = false;
  while (values.length > 0) {
    const value = values.pop() as object;
    const depth = depths.pop() as number;
    if (depth >= maxDepth) throw new ProtocolError("TOO_DEEP", `nesting deeper than ${maxDepth}`);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (typeof item === "object" && item !== null) {
          values.push(item);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      if (key === "__proto__") forbidden = true;
      const item = (value as Record<string, unknown>)[key];
      if (typeof item === "object" && item !== null) {
        values.push(item);
        depths.push(depth + 1);
      }
    }
  }
  if (forbidden) throw new ProtocolError("FORBIDDEN_KEY", 'forbidden key "__proto__"');
}

/** JSON when the first byte is `{`, else msgpack (or the custom parser). Never throws. */
export function decodeSniffed(bytes: Buffer, options: DecodeOptions | undefined): unknown {
  return isJson(bytes) ? decodeJson(bytes, options) : decodeBinary(bytes, options);
}

// Walks a value produced by JSON.parse or a custom parser: limits depth and refuses "__proto__" keys, which
// JSON.parse keeps as own properties but which any later Object.assign would turn into a prototype.
function checkTree(root: unknown, maxDepth: number): void {
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (typeof value !== "object" || value === null || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
      continue;
    }
    if (value instanceof Date) continue;
    if (depth >= maxDepth) throw new ProtocolError("TOO_DEEP", `nesting deeper than ${maxDepth}`);
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === "object" && item !== null) stack.push([item, depth + 1]);
      continue;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      // a custom parser handed back a class instance (a Map, say): not something the wire can mean
      throw new ProtocolError("MALFORMED", "object with a foreign prototype");
    }
    for (const key of Object.keys(value)) {
      if (key === "__proto__") throw new ProtocolError("FORBIDDEN_KEY", 'forbidden key "__proto__"');
      const item = (value as Record<string, unknown>)[key];
      if (typeof item === "object" && item !== null) stack.push([item, depth + 1]);
    }
  }
}

/** msgpack (notepack.io 3, byte-identical with the official packages) or the custom parser. */
export function encodeBinary(value: unknown, parser: Parser | undefined): Payload {
  try {
    if (parser) {
      const out = parser.encode(value);
      return typeof out === "string" ? out : toBuffer(out);
    }
    return msgpackEncode(value) as Buffer;
  } catch (err) {
    throw new ProtocolError("UNENCODABLE", `cannot encode message: ${(err as Error).message}`, "", { cause: err });
  }
}

export function encodeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    throw new ProtocolError("UNENCODABLE", `cannot encode message: ${(err as Error).message}`, "", { cause: err });
  }
}

/**
 * True when `value` holds binary data (an ArrayBuffer or a view of one, Buffers included) anywhere, looking
 * through arrays, own properties and one level of `toJSON()`: the test that makes cluster messages msgpack.
 */
export function hasBinary(value: unknown, viaToJson = false, depth = 0): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return true;
  if (depth > DEFAULT_MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (hasBinary(item, false, depth + 1)) return true;
    return false;
  }
  for (const key of Object.keys(value)) {
    if (hasBinary((value as Record<string, unknown>)[key], false, depth + 1)) return true;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  return typeof toJSON === "function" && !viaToJson && hasBinary(toJSON.call(value), true, depth + 1);
}
