/**
 * The package, as the example app imports it. Inside this repository it is
 * the sources (never `dist`); in your own app, import from 'nestjs-openfga'.
 */
export * from '../../src';
