// Rooms that this process just made sockets join elsewhere (socketsJoin). A server that subscribes per room and had
// no member of such a room subscribes to its channel only once it has processed the join, so a broadcast
// published on the room channel right after would miss it. For a while, broadcasts to those rooms go on the
// namespace's broadcast channel instead, which every server receives and filters by room: same result, and in
// order after the join. Rooms are remembered by their channel name, so one instance serves every namespace.

/** How long a joined room keeps its broadcasts on the broadcast channel: far above a server's reaction time. */
const JOIN_SETTLE_MS = 2000;

/**
 * Remembers room channels for `windowMs`; forgets them by itself (it holds nothing once the window has passed).
 *
 * @example
 * ```ts
 * const recent = new RecentRooms();
 * recent.add([channels.room("room1")]);
 * recent.channelFor(channels.room("room1"), channels.broadcast); // channels.broadcast, for 2 s
 * ```
 */
export class RecentRooms {
  readonly #windowMs: number;
  readonly #until = new Map<string, number>();

  constructor(windowMs = JOIN_SETTLE_MS) {
    this.#windowMs = windowMs;
  }

  /** Room channels just joined. */
  add(roomChannels: Iterable<string>): void {
    this.#prune();
    const until = Date.now() + this.#windowMs;
    for (const channel of roomChannels) {
      // re-inserted, so that the map stays ordered by expiry and pruning stops at the first live entry
      this.#until.delete(channel);
      this.#until.set(channel, until);
    }
  }

  /** Room channels remembered now. */
  get size(): number {
    this.#prune();
    return this.#until.size;
  }

  /** Where a broadcast goes: `usual`, unless it is the channel of a room joined within the window. */
  channelFor(usual: string, broadcast: string): string {
    if (this.#until.size === 0 || usual === broadcast) return usual;
    this.#prune();
    return this.#until.has(usual) ? broadcast : usual;
  }

  #prune(): void {
    const now = Date.now();
    for (const [name, until] of this.#until) {
      if (until > now) return;
      this.#until.delete(name);
    }
  }
}
