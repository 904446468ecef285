import type { OpenFgaService } from '../openfga.service';

/**
 * The public surface of `OpenFgaService` (no lifecycle hooks), as a type:
 * what the fake implements, and what your own doubles may implement.
 *
 * @example
 * class AuditingFga implements OpenFgaServiceContract { ... }
 * const fga: OpenFgaServiceContract = moduleRef.get(OpenFgaService);
 */
export type OpenFgaServiceContract = Pick<
  OpenFgaService,
  | 'grant'
  | 'revoke'
  | 'grantMany'
  | 'revokeMany'
  | 'check'
  | 'status'
  | 'getPendingOperations'
  | 'flush'
  | 'clear'
  | 'getDeadLetters'
  | 'retryDeadLetters'
  | 'purgeDeadLetters'
  | 'events'
>;
