// What the demo's processes say to each other and to the page: chat messages, IPC with the supervisor.

/** A chat message as every client receives it. */
export interface ChatMessage {
  room: string;
  text: string;
  /** The sender's display name, or "cron job" / "HTTP worker". */
  from: string;
  /** The instance the sender is connected to; null for the cron job and the HTTP worker. */
  instance: string | null;
  at: number;
}

/** One instance's figures in the cluster panel. */
export interface InstanceStats {
  instance: string;
  sockets: number;
  /** Chat messages delivered to this instance's clients in the last second. */
  rate: number;
  /** `rate` for the last 60 seconds, oldest first. */
  history: number[];
}

/** The cluster panel. */
export interface ClusterSnapshot {
  instance: string;
  serverCount: number;
  rooms: string[];
  instances: InstanceStats[];
  error?: string;
}

/** Where a process can be reached, for the page's links and failover. */
export interface Endpoint {
  name: string;
  url: string;
}

/** Child → supervisor, once listening (or started). */
export interface ReadyMessage {
  type: "ready";
  url?: string;
}

/** Supervisor → instances: who is in the demo, for /config.json and CORS. */
export interface PeersMessage {
  type: "peers";
  instances: Endpoint[];
  workerUrl: string;
}

export const DEFAULT_ROOM = "lobby";
export const MAX_ROOM_LENGTH = 64;
export const MAX_TEXT_LENGTH = 500;

/** A room name a client may use, or an error text naming the problem. */
export function checkRoom(room: unknown): string | { error: string } {
  if (typeof room !== "string" || room.trim() === "") return { error: "room: a non-empty name is required" };
  const name = room.trim();
  if (name.length > MAX_ROOM_LENGTH) return { error: `room: at most ${MAX_ROOM_LENGTH} characters` };
  return name;
}

/** A message text a client may send, or an error text naming the problem. */
export function checkText(text: unknown): string | { error: string } {
  if (typeof text !== "string" || text.trim() === "") return { error: "text: a non-empty message is required" };
  if (text.length > MAX_TEXT_LENGTH) return { error: `text: at most ${MAX_TEXT_LENGTH} characters` };
  return text;
}
