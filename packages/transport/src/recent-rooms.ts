// Rooms that this process just made sockets join elsewhere (socketsJoin). A server that had no member of such a
// room subscribes to its channel only once it has processed the join, so a broadcast published on the room
// channel right after would miss it. For a while, broadcasts to those rooms go on the namespace's broadcast
// channel instead, which every server receives and filters by room: same result, and in order after the join.
import type { Room } from "@sio-redis/protocol";

/** How long a joined room keeps its broadcasts on the broadcast channel: far above a server's reaction time. */
const JOIN_SETTLE_MS = 2000;

/**
 * Remembers rooms for `windowMs`.
 *
 * @example
 * ```ts
 * const recent = new RecentRooms(1000);
 * recent.add(["room1"]);
 * const channel = recent.has("room1") ? channels.broadcast : channels.room("room1");
 * ```
 */
export class RecentRooms {
  readonly #windowMs: number;
  readonly #until = new Map<string, number>();

  constructor(windowMs = JOIN_SETTLE_MS) {
    this.#windowMs = windowMs;
  }

  add(rooms: Iterable<Room>): void {
    this.#prune();
    const until = Date.now() + this.#windowMs;
    for (const room of rooms) {
      // re-inserted, so that the map stays ordered by expiry and pruning stops at the first live entry
      this.#until.delete(String(room));
      this.#until.set(String(room), until);
    }
  }

  has(room: Room): boolean {
    if (this.#until.size === 0) return false;
    this.#prune();
    return this.#until.has(String(room));
  }

  /**
   * Where a broadcast to `rooms` goes: `usual` (the channel the protocol names for them), except that a broadcast
   * to one recently joined room goes on the namespace's `broadcast` channel.
   */
  channelFor(rooms: readonly Room[], usual: string, broadcast: string): string {
    const [single] = rooms;
    return rooms.length === 1 && single !== undefined && this.has(single) ? broadcast : usual;
  }

  #prune(): void {
    const now = Date.now();
    for (const [name, until] of this.#until) {
      if (until > now) return;
      this.#until.delete(name);
    }
  }
}
