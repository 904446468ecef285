/** Injection token of the framework-free core (buffer, cache, client, flusher). */
export const OPENFGA_CORE = Symbol('OPENFGA_CORE');
/** Injection token of the resolved, validated module options. */
export const OPENFGA_OPTIONS = Symbol('OPENFGA_OPTIONS');
