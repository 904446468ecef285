/** Fills a buffer through the real `grantMany`, in chunks with a few calls in flight. */
import type { OpenFgaService } from '../../src/openfga.service';
import { pool } from './sampler';
import { benchTuples } from './tuples';

export const FILL_CHUNK = 1000;

export async function fillBuffer(service: OpenFgaService, tag: string, count: number, concurrency = 4): Promise<void> {
  const chunks = Math.ceil(count / FILL_CHUNK);
  await pool(chunks, concurrency, (c) => {
    const from = c * FILL_CHUNK;
    return service.grantMany(benchTuples(tag, from, Math.min(FILL_CHUNK, count - from)));
  });
}
