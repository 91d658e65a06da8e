/**
 * The Socket.IO Redis wire protocol: channel names, message types, encoders and strict decoders for the
 * classic transport (@socket.io/redis-adapter `createAdapter`, @socket.io/redis-emitter) and the sharded one
 * (`createShardedAdapter`). Pure functions, no I/O. The written spec is PROTOCOL.md in this package.
 *
 * @packageDocumentation
 */
export {
  type ClassicChannels,
  classicChannels,
  DEFAULT_PREFIX,
  normalizeNamespace,
  type ParsedChannel,
  parseChannel,
  type Room,
  type ShardedChannels,
  shardedChannels,
  wireRoom,
} from "./channels.js";
export {
  type AllRoomsRequest,
  type BroadcastEncodeOptions,
  type BroadcastMessage,
  type BroadcastTemplate,
  type BroadcastWithAckRequest,
  broadcastEncoder,
  type ClassicRequest,
  type ClassicResponse,
  type CustomRequest,
  type DisconnectSocketsRequest,
  decodeBroadcast,
  decodeRequest,
  decodeResponse,
  EMITTER_UID,
  type EncodeOptions,
  encodeBroadcast,
  encodeRequest,
  encodeResponse,
  type FetchSocketsRequest,
  type RemoteDisconnectRequest,
  type RemoteJoinLeaveRequest,
  RequestType,
  type ServerSideEmitRequest,
  type SocketsJoinLeaveRequest,
  type SocketsRequest,
} from "./classic.js";
export {
  type ClusterData,
  type ClusterMessage,
  ClusterMessageType,
  decodeClusterMessage,
  encodeClusterMessage,
} from "./cluster.js";
export { DEFAULT_MAX_DEPTH, type DecodeOptions, hasBinary, type Parser, type Payload } from "./codec.js";
export { ProtocolError, type ProtocolErrorCode } from "./errors.js";
export {
  type BroadcastFlags,
  type BroadcastOptions,
  CLIENT_RESERVED_EVENTS,
  type ClusterPacket,
  type EventPacket,
  type FetchedSocket,
  PacketType,
  SERVER_RESERVED_EVENTS,
  type SocketSelector,
} from "./packet.js";
