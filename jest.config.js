/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type checking is `npm run typecheck`'s job; jest only transpiles, which keeps the suite fast.
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testTimeout: 30000,
  // @pulumi/pulumi and google-protobuf keep their state on the global object by design (the
  // runtime's LocalStore, the protobuf namespace); jest's soft clean-up between files only warns
  // about them. Off: the behaviour jest has always had, without the noise.
  testEnvironmentOptions: { globalsCleanup: 'off' },
};
