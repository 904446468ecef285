import type { OpenFgaService } from '../openfga.service';

/** Nest calls these on the real service; they are not part of what apps call. */
type LifecycleHook = 'onApplicationBootstrap' | 'beforeApplicationShutdown' | 'onApplicationShutdown';

/**
 * The public surface of `OpenFgaService` (every public member but the
 * lifecycle hooks), derived from the class: a public method added to the
 * service joins it, so the fake (which implements it) stops compiling until it
 * follows.
 *
 * @example
 * class AuditingFga implements OpenFgaServiceContract { ... }
 * const fga: OpenFgaServiceContract = moduleRef.get(OpenFgaService);
 */
export type OpenFgaServiceContract = Omit<OpenFgaService, LifecycleHook>;
