/**
 * The base of every error this package throws, so an application can catch
 * or filter all of them in one place (`err instanceof OpenFgaError`,
 * `@Catch(OpenFgaError)`). Each subclass names its own `name`, which survives
 * minification.
 */
export abstract class OpenFgaError extends Error {
  abstract override readonly name: string;
}
