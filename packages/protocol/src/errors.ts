/**
 * Why a message was rejected:
 * - `MALFORMED`: the bytes do not decode, or a field has the wrong type or shape.
 * - `UNKNOWN_TYPE`: a well-formed message whose `type` this version does not know (a newer or foreign sender).
 *   Receivers should ignore these quietly rather than count them as attacks.
 * - `FORBIDDEN_KEY`: an object key that could reach a prototype (`__proto__`).
 * - `TOO_DEEP`: nesting beyond the decoder's depth limit.
 * - `UNENCODABLE`: an encoder was given a value that cannot be put on the wire (BigInt, a cycle, …).
 */
export type ProtocolErrorCode = "MALFORMED" | "UNKNOWN_TYPE" | "FORBIDDEN_KEY" | "TOO_DEEP" | "UNENCODABLE";

const brand = Symbol.for("@sio-redis/protocol.ProtocolError");

/**
 * A message that is not valid for the wire protocol. Decoders return it instead of throwing; encoders throw it.
 *
 * `instanceof ProtocolError` works across the ESM and CommonJS builds of this package.
 *
 * @example
 * ```ts
 * const msg = decodeBroadcast(bytes);
 * if (msg instanceof ProtocolError) {
 *   debug("dropped: %s (at %s)", msg.message, msg.path);
 *   return;
 * }
 * ```
 */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  /** The class of failure. */
  readonly code: ProtocolErrorCode;
  /** Where in the message the problem is, e.g. `opts.rooms[2]`; `""` for the message as a whole. */
  readonly path: string;

  constructor(code: ProtocolErrorCode, message: string, path = "", options?: { cause?: unknown }) {
    super(path ? `${message} (at ${path})` : message, options);
    this.code = code;
    this.path = path;
    Object.defineProperty(this, brand, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

/** Shorthand for the common case: a field with the wrong shape. */
export function malformed(message: string, path = ""): ProtocolError {
  return new ProtocolError("MALFORMED", message, path);
}
