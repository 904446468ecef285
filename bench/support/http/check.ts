/**
 * The `@Check` decorator P6 benchmarks: the package's own. The minimal
 * stand-in has the same signature; to measure it instead, this one line becomes
 * export { BenchCheck as Check } from './bench-check.guard';
 */
export { Check } from '../../../src/http/check.decorator';
