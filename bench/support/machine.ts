/** The machine the figures were taken on, printed and stored with them. */
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../test/support/harness/servers';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  loadAverage?: number[];
}

export function machineInfo(): MachineInfo {
  let cpuModel = 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) cpuModel = match[1].trim();
  } catch {
    // not Linux: leave it unknown
  }
  let loadAverage: number[] | undefined;
  try {
    loadAverage = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  } catch {
    // not Linux
  }
  return {
    cpus: availableParallelism(),
    cpuModel,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    ...(loadAverage ? { loadAverage } : {}),
  };
}

/** The OpenFGA version scripts/install-servers.sh built into .tools/bin. */
export function openFgaVersion(): string {
  try {
    return readFileSync(join(PROJECT_ROOT, '.tools', 'openfga.version'), 'utf8').trim();
  } catch {
    return 'unknown';
  }
}
