import { createServer } from 'node:net';

/** A port nobody holds now (for a service whose own address must be known before it starts, e.g. an OAuth callback). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
