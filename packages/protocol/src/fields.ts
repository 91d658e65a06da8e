// Field readers for decoders. They throw ProtocolError naming the path; each public decoder catches once.
import type { Room } from "./channels.js";
import { ProtocolError } from "./errors.js";

export type Obj = Record<string, unknown>;

export function fail(message: string, path: string): never {
  throw new ProtocolError("MALFORMED", message, path);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return value instanceof Date ? "a date" : "an object";
  if (typeof value === "string") return `string ${JSON.stringify(value.slice(0, 40))}`;
  return `${typeof value} ${String(value)}`;
}

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

export function obj(value: unknown, path: string): Obj {
  if (!isObj(value) || value instanceof Date || value instanceof ArrayBuffer) {
    fail(`expected an object, got ${describe(value)}`, path);
  }
  return value;
}

export function str(value: unknown, path: string): string {
  if (typeof value !== "string") fail(`expected a string, got ${describe(value)}`, path);
  return value;
}

export function nonEmptyStr(value: unknown, path: string): string {
  if (typeof value !== "string" || value === "") fail(`expected a non-empty string, got ${describe(value)}`, path);
  return value;
}

export function optStr(value: unknown, path: string): string | undefined {
  return value === undefined ? undefined : nonEmptyStr(value, path);
}

export function bool(value: unknown, path: string): boolean {
  if (typeof value !== "boolean") fail(`expected a boolean, got ${describe(value)}`, path);
  return value;
}

export function optBool(value: unknown, path: string): boolean | undefined {
  return value === undefined ? undefined : bool(value, path);
}

export function count(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    fail(`expected a non-negative integer, got ${describe(value)}`, path);
  }
  return value;
}

/** A time in ms: any finite number ≥ 0 (socket.io's `timeout(ms)` takes fractions as well). */
export function duration(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    fail(`expected a duration in ms, got ${describe(value)}`, path);
  }
  return value;
}

export function room(value: unknown, path: string): Room {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  return fail(`expected a room name, got ${describe(value)}`, path);
}

/**
 * A list of rooms. `""` (the Python emitter's empty list) and, where `optional`, a missing field mean none.
 * The decoded array is checked in place and returned as is: decoders own the values they produced.
 */
export function rooms(value: unknown, path: string, optional = false): Room[] {
  if (value === "" || (optional && (value === undefined || value === null))) return [];
  if (!Array.isArray(value)) fail(`expected an array of rooms, got ${describe(value)}`, path);
  for (let i = 0; i < value.length; i++) {
    const r: unknown = value[i];
    if (typeof r !== "string" && !(typeof r === "number" && Number.isFinite(r))) {
      fail(`expected a room name, got ${describe(r)}`, `${path}[${i}]`);
    }
  }
  return value as Room[];
}

export function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(`expected an array, got ${describe(value)}`, path);
  return value;
}

/** Drops keys whose value is `undefined`, so decoded messages have only the fields that were sent. */
export function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value)) {
    if ((value as Obj)[key] === undefined) delete (value as Obj)[key];
  }
  return value;
}

/** Runs a field reader, turning its ProtocolError (or a bug's exception) into a return value. */
export function guard<T>(read: () => T): T | ProtocolError {
  try {
    return read();
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    return new ProtocolError("MALFORMED", `unreadable message: ${String(err)}`, "", { cause: err });
  }
}
