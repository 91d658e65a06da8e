/**
 * Test and benchmark support shared by the workspace: real `redis-server` processes on free loopback ports,
 * stopped by PID, and bounded waits. Private: not published.
 */

export { seededRandom } from "./random.js";
export { type AnyEventSource, deferred, Recorder } from "./recorder.js";
export {
  type RedisCluster,
  type RedisClusterNode,
  type RedisClusterOptions,
  redisCommand,
  startRedisCluster,
} from "./redis-cluster.js";
export { freePort, type RedisServer, type RedisServerOptions, startRedisServer, waitForPing } from "./redis-server.js";
export { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";
export { type EventSource, type Listening, listen, next, until, WAIT_MS, within } from "./waits.js";
