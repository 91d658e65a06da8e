// A strict MessagePack decoder. It reads everything notepack.io 3 (and 2) writes and decodes it to the same
// values, but it checks every length against the bytes that are left before allocating, limits nesting, refuses
// `__proto__` keys and extension types no Socket.IO sender uses, and reports failures as ProtocolError.
import { ProtocolError } from "./errors.js";

const FORBIDDEN_KEY = "__proto__";

// Map keys the protocol itself uses, matched by their bytes so that decoding them allocates nothing.
const KNOWN_KEYS = [
  "type",
  "data",
  "nsp",
  "id",
  "uid",
  "rooms",
  "except",
  "flags",
  "volatile",
  "compress",
  "local",
  "broadcast",
  "binary",
  "timeout",
  "requestId",
  "packet",
  "opts",
  "sockets",
  "clientCount",
  "handshake",
  "close",
  "sid",
  "room",
];
// indexed by fixstr header byte, then the key's first byte
const KEY_TABLE: Array<Map<number, Array<[Buffer, string]>>> = [];
for (const key of KNOWN_KEYS) {
  const bytes = Buffer.from(key);
  const header = 0xa0 | bytes.length;
  const byFirst = KEY_TABLE[header] ?? new Map<number, Array<[Buffer, string]>>();
  KEY_TABLE[header] = byFirst;
  const list = byFirst.get(bytes[0] as number) ?? [];
  list.push([bytes, key]);
  byFirst.set(bytes[0] as number, list);
}

class Reader {
  pos = 0;
  buf: Buffer = Buffer.alloc(0);
  maxDepth = 0;

  fail(what: string): never {
    throw new ProtocolError("MALFORMED", `invalid msgpack: ${what} at byte ${this.pos}`);
  }

  need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) this.fail(`truncated ${what} (needs ${n} more bytes)`);
  }

  u8(): number {
    this.need(1, "header");
    return this.buf[this.pos++] as number;
  }
  u16(): number {
    this.need(2, "length");
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return ((b[p] as number) << 8) | (b[p + 1] as number);
  }
  u32(): number {
    this.need(4, "length");
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  // A known protocol key at the current position, or undefined.
  knownKey(): string | undefined {
    const b = this.buf;
    const p = this.pos;
    const candidates = KEY_TABLE[b[p] as number]?.get(b[p + 1] as number);
    if (candidates === undefined) return undefined;
    for (const [bytes, key] of candidates) {
      const len = bytes.length;
      if (p + 1 + len > b.length) continue;
      let i = 1;
      while (i < len && b[p + 1 + i] === bytes[i]) i++;
      if (i === len) {
        this.pos = p + 1 + len;
        return key;
      }
    }
    return undefined;
  }

  str(len: number): string {
    this.need(len, "string");
    const start = this.pos;
    const end = start + len;
    this.pos = end;
    // Short ASCII strings (keys, event names, room ids) are cheaper to build by hand than through Buffer.
    if (len < 16) {
      const buf = this.buf;
      let s = "";
      for (let i = start; i < end; i++) {
        const c = buf[i] as number;
        if (c > 0x7f) return buf.toString("utf8", start, end);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.buf.toString("utf8", start, end);
  }

  bin(len: number): Buffer {
    this.need(len, "binary");
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  arrayBuffer(len: number): ArrayBuffer {
    this.need(len, "binary");
    const start = this.buf.byteOffset + this.pos;
    this.pos += len;
    return this.buf.buffer.slice(start, start + len) as ArrayBuffer;
  }

  array(len: number, depth: number): unknown[] {
    // every element takes at least one byte
    if (len > this.buf.length - this.pos) this.fail(`array of ${len} elements longer than the message`);
    if (depth >= this.maxDepth) throw new ProtocolError("TOO_DEEP", `nesting deeper than ${this.maxDepth}`);
    // Grow rather than preallocate: nested headers that each claim the rest of the message must not cost
    // depth × length slots before a single element is read.
    const out: unknown[] = [];
    for (let i = 0; i < len; i++) out.push(this.value(depth + 1));
    return out;
  }

  map(len: number, depth: number): Record<string, unknown> {
    // every entry takes at least two bytes
    if (len * 2 > this.buf.length - this.pos) this.fail(`map of ${len} entries longer than the message`);
    if (depth >= this.maxDepth) throw new ProtocolError("TOO_DEEP", `nesting deeper than ${this.maxDepth}`);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < len; i++) {
      const keyAt = this.pos;
      const key = this.knownKey() ?? this.value(depth + 1);
      let name: string;
      if (typeof key === "string") name = key;
      else if (typeof key === "number") name = String(key);
      else {
        this.pos = keyAt;
        this.fail("map key that is neither a string nor a number");
      }
      if (name === FORBIDDEN_KEY) {
        throw new ProtocolError("FORBIDDEN_KEY", `forbidden map key "__proto__" at byte ${keyAt}`);
      }
      out[name] = this.value(depth + 1);
    }
    return out;
  }

  // fixext 1/2/4/8/16: the length is part of the header byte
  fixext(len: number): unknown {
    this.need(1, "ext type");
    const type = this.buf.readInt8(this.pos++);
    if (type === 0) {
      // notepack.io 2.x wrote `undefined` as fixext 1 type 0 and Dates as fixext 8 type 0 (milliseconds)
      if (len === 1) {
        this.need(1, "undefined");
        this.pos += 1;
        return undefined;
      }
      if (len === 8) {
        this.need(8, "date");
        const ms = this.buf.readInt32BE(this.pos) * 0x100000000 + this.buf.readUInt32BE(this.pos + 4);
        this.pos += 8;
        return new Date(ms);
      }
    }
    if (type === -1 && (len === 4 || len === 8)) return this.timestamp(len);
    return this.fail(`unsupported fixext ${len} of type ${type}`);
  }

  // ext 8/16/32: notepack.io 2.x wrote ArrayBuffers as type 0; type -1 with 12 bytes is a 96-bit timestamp
  varext(len: number): unknown {
    this.need(1, "ext type");
    const type = this.buf.readInt8(this.pos++);
    if (type === 0) return this.arrayBuffer(len);
    if (type === -1 && len === 12) return this.timestamp(len);
    return this.fail(`unsupported ext of type ${type} and ${len} bytes`);
  }

  // the MessagePack timestamp extension (type -1), as notepack.io 3 writes Dates
  timestamp(len: 4 | 8 | 12): Date {
    this.need(len, "timestamp");
    const b = this.buf;
    const p = this.pos;
    this.pos += len;
    if (len === 4) return new Date(b.readUInt32BE(p) * 1e3);
    if (len === 8) {
      const hi = b.readUInt32BE(p);
      const lo = b.readUInt32BE(p + 4);
      return new Date(((hi & 0x3) * 0x100000000 + lo) * 1e3 + (hi >>> 2) / 1e6);
    }
    const ns = b.readUInt32BE(p);
    const secs = b.readInt32BE(p + 4) * 0x100000000 + b.readUInt32BE(p + 8);
    return new Date(secs * 1e3 + ns / 1e6);
  }

  value(depth: number): unknown {
    const b = this.u8();
    if (b < 0x80) return b;
    if (b < 0x90) return this.map(b & 0x0f, depth);
    if (b < 0xa0) return this.array(b & 0x0f, depth);
    if (b < 0xc0) return this.str(b & 0x1f);
    if (b > 0xdf) return b - 0x100;
    const buf = this.buf;
    let v: number;
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.bin(this.u8());
      case 0xc5:
        return this.bin(this.u16());
      case 0xc6:
        return this.bin(this.u32());
      case 0xc7:
        return this.varext(this.u8());
      case 0xc8:
        return this.varext(this.u16());
      case 0xc9:
        return this.varext(this.u32());
      case 0xca:
        this.need(4, "float32");
        v = buf.readFloatBE(this.pos);
        this.pos += 4;
        return v;
      case 0xcb:
        this.need(8, "float64");
        v = buf.readDoubleBE(this.pos);
        this.pos += 8;
        return v;
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf:
        this.need(8, "uint64");
        v = buf.readUInt32BE(this.pos) * 0x100000000 + buf.readUInt32BE(this.pos + 4);
        this.pos += 8;
        return v;
      case 0xd0:
        this.need(1, "int8");
        return buf.readInt8(this.pos++);
      case 0xd1:
        this.need(2, "int16");
        v = buf.readInt16BE(this.pos);
        this.pos += 2;
        return v;
      case 0xd2:
        this.need(4, "int32");
        v = buf.readInt32BE(this.pos);
        this.pos += 4;
        return v;
      case 0xd3:
        this.need(8, "int64");
        v = buf.readInt32BE(this.pos) * 0x100000000 + buf.readUInt32BE(this.pos + 4);
        this.pos += 8;
        return v;
      case 0xd4:
        return this.fixext(1);
      case 0xd5:
        return this.fixext(2);
      case 0xd6:
        return this.fixext(4);
      case 0xd7:
        return this.fixext(8);
      case 0xd8:
        return this.fixext(16);
      case 0xd9:
        return this.str(this.u8());
      case 0xda:
        return this.str(this.u16());
      case 0xdb:
        return this.str(this.u32());
      case 0xdc:
        return this.array(this.u16(), depth);
      case 0xdd:
        return this.array(this.u32(), depth);
      case 0xde:
        return this.map(this.u16(), depth);
      case 0xdf:
        return this.map(this.u32(), depth);
      default:
        this.pos--;
        return this.fail(`unused type byte 0x${b.toString(16)}`);
    }
  }
}

/**
 * Decodes one MessagePack value that must span the whole input. Throws ProtocolError on any defect.
 * Nesting is counted in containers: `[[1]]` has depth 2.
 */
export function decodeMsgpack(buf: Buffer, maxDepth: number): unknown {
  const reader = shared;
  reader.buf = buf;
  reader.pos = 0;
  reader.maxDepth = maxDepth;
  try {
    if (buf.length === 0) reader.fail("empty message");
    const value = reader.value(0);
    if (reader.pos !== buf.length) reader.fail(`${buf.length - reader.pos} trailing bytes`);
    return value;
  } finally {
    reader.buf = EMPTY; // do not keep the last message alive
  }
}

// Decoding is synchronous and never re-enters, so one reader serves every call.
const EMPTY = Buffer.alloc(0);
const shared = new Reader();
