import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** HTTP servers on loopback for request listeners under test, each on a free port; closed together. */
export class Listeners {
  private readonly servers: http.Server[] = [];

  /** Serves `listener`; resolves to its origin (`http://127.0.0.1:<port>`). */
  async listen(listener: http.RequestListener): Promise<string> {
    const server = http.createServer(listener);
    this.servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async closeAll(): Promise<void> {
    for (const server of this.servers) await new Promise((resolve) => server.close(resolve));
  }
}
