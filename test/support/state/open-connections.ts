import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * This process's established TCP connections to `port` on loopback (Linux:
 * /proc/self/fd's socket inodes matched against /proc/net/tcp{,6}).
 */
export function connectionsTo(port: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed while listing
    }
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // rem_address is f[2] (ip:port in hex), st f[3] (01 established), inode f[9]
      if (f.length > 9 && f[2].endsWith(`:${hexPort}`) && f[3] === '01' && inodes.has(f[9])) count++;
    }
  }
  return count;
}
