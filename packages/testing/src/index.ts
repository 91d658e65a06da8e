/**
 * Test and benchmark support shared by the workspace: real `redis-server` processes on free loopback ports,
 * stopped by PID, and bounded waits. Private: not published.
 */

export { seededRandom } from "./random.js";
export { freePort, type RedisServer, type RedisServerOptions, startRedisServer, waitForPing } from "./redis-server.js";
export { next, until, within } from "./waits.js";
