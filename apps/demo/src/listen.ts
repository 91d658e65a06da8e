// Where the demo's HTTP servers listen: loopback only, on the port asked for or, when it is taken, a free one.
import type http from "node:http";
import type { AddressInfo } from "node:net";

const HOST = "127.0.0.1";

/**
 * Listens on 127.0.0.1:`port` (0: any free port; a taken port is replaced by a free one) and resolves with the
 * server's URL.
 *
 * @example
 * ```ts
 * const url = await listen(server, Number(process.env.PORT ?? 0)); // "http://127.0.0.1:3001"
 * ```
 */
export async function listen(server: http.Server, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EADDRINUSE" || port === 0) return reject(err);
      server.listen(0, HOST, resolve);
    });
    server.listen(port, HOST, resolve);
  });
  return `http://${HOST}:${(server.address() as AddressInfo).port}`;
}
