// Bounded waits for the transport's tests, from the workspace's test support.
export { until } from "@sio-redis/testing";
