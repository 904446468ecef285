/** The package's CLI entry point; in your own app, import from 'nestjs-openfga/cli'. */
export * from '../../src/cli';
