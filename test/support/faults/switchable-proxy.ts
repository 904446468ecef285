/**
 * A loopback TCP proxy in front of the real OpenFGA that a test can switch
 * between forwarding, refusing (connection reset at once) and holding
 * (accepting but never answering), to cause real network failures on
 * demand, or slowing each request down (`delayMs`). It forwards bytes; it
 * never imitates OpenFGA.
 */
import { AddressInfo, connect, createServer, Socket } from 'node:net';

export type ProxyMode = 'forward' | 'refuse' | 'hold';

export interface SwitchableProxy {
  /** `http://127.0.0.1:<port>`: use as the module's `apiUrl`. */
  url: string;
  mode: ProxyMode;
  /** In `forward` mode, each chunk the client sends reaches OpenFGA this much later (a slow network). */
  delayMs: number;
  /** In `forward` mode, each chunk OpenFGA sends back reaches the client this much later (an answer computed now, received later). */
  responseDelayMs: number;
  /** Connections accepted so far, by the mode they met. */
  readonly connections: Record<ProxyMode, number>;
  /** Calls `listener` with the mode of each new connection (after it was counted). */
  onConnection(listener: (mode: ProxyMode) => void): void;
  /** Closes every open connection (kept-alive ones would go on forwarding): the next request meets the current mode. */
  cut(): void;
  close(): Promise<void>;
}

export async function startSwitchableProxy(targetUrl: string, mode: ProxyMode = 'forward'): Promise<SwitchableProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  const listeners: ((mode: ProxyMode) => void)[] = [];
  const connections: Record<ProxyMode, number> = { forward: 0, refuse: 0, hold: 0 };
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  const proxy: SwitchableProxy = {
    url: '',
    mode,
    delayMs: 0,
    responseDelayMs: 0,
    connections,
    onConnection: (listener) => void listeners.push(listener),
    cut: () => sockets.forEach((s) => s.destroy()),
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
  const server = createServer((client) => {
    track(client);
    const current = proxy.mode;
    connections[current]++;
    if (current === 'refuse') {
      client.resetAndDestroy();
    } else if (current === 'forward') {
      const upstream = connect(Number(target.port), target.hostname);
      track(upstream);
      upstream.on('data', (chunk) => {
        if (proxy.responseDelayMs > 0) setTimeout(() => client.write(chunk), proxy.responseDelayMs);
        else client.write(chunk);
      });
      // Same delay for every chunk, so they still arrive in order.
      client.on('data', (chunk) => {
        if (proxy.delayMs > 0) setTimeout(() => upstream.write(chunk), proxy.delayMs);
        else upstream.write(chunk);
      });
      upstream.once('close', () => setTimeout(() => client.destroy(), proxy.responseDelayMs));
      client.once('close', () => upstream.destroy());
    } // 'hold': accepted, never answered
    listeners.forEach((l) => l(current));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
