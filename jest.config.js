/** One run starts the real servers once (global setup) for every suite. */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  globalSetup: '<rootDir>/test/support/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/harness/global-teardown.ts',
  testTimeout: 60000,
};
