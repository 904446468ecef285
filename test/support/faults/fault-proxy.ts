/**
 * A loopback TCP proxy in front of a real server (OpenFGA or Redis) whose
 * faults also hit connections already open: `hang()` cuts every open
 * connection and leaves new ones accepted but never answered (a server that
 * hangs), `refuse()` cuts them and resets new ones, `heal()` forwards again.
 * (The switchable proxy changes only new connections, and clients keep
 * theirs alive.) It forwards bytes; it never answers by itself.
 */
import { AddressInfo, connect, createServer, Socket } from 'node:net';

export type FaultMode = 'forward' | 'hang' | 'refuse';

export interface FaultProxy {
  url: string;
  port: number;
  readonly mode: FaultMode;
  hang(): void;
  refuse(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(targetHost: string, targetPort: number, scheme = 'http'): Promise<FaultProxy> {
  let mode: FaultMode = 'forward';
  const open = new Set<Socket>();
  const hung = new Set<Socket>();
  const track = (s: Socket) => {
    open.add(s);
    s.once('close', () => open.delete(s));
    s.on('error', () => undefined);
  };
  const cutAll = () => open.forEach((s) => s.destroy());
  const server = createServer((client) => {
    track(client);
    if (mode === 'refuse') return client.resetAndDestroy();
    if (mode === 'hang') {
      hung.add(client); // accepted, never answered
      client.once('close', () => hung.delete(client));
      return;
    }
    const upstream = connect(targetPort, targetHost);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    upstream.once('close', () => client.destroy());
    client.once('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    get mode() {
      return mode;
    },
    hang() {
      mode = 'hang';
      cutAll();
    },
    refuse() {
      mode = 'refuse';
      cutAll();
    },
    heal() {
      mode = 'forward';
      // Connections accepted while hanging were never forwarded: drop them so clients reconnect.
      hung.forEach((s) => s.destroy());
    },
    close: () =>
      new Promise<void>((resolve) => {
        cutAll();
        server.close(() => resolve());
      }),
  };
}
