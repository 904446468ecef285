/** One run starts the real servers once (global setup) for every suite. */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // The README's quick start imports the package by name (test/e2e/readme-quick-start.spec.ts runs it from source).
  moduleNameMapper: { '^nestjs-openfga$': '<rootDir>/src/index.ts' },
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  globalSetup: '<rootDir>/test/support/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/harness/global-teardown.ts',
  testTimeout: 60000,
};
