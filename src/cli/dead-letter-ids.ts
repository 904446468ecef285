import type { OpenFgaService } from '../openfga.service';

/** The ids that name no dead letter right now, so the commands can say which were not found. */
export async function missingIds(openfga: OpenFgaService, ids: readonly string[]): Promise<string[]> {
  const known = new Set((await openfga.getDeadLetters()).map((d) => d.id));
  return ids.filter((id) => !known.has(id));
}
