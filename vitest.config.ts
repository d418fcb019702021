import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests spawn servers and CLI processes; two cores do not gain from more parallel files.
    maxWorkers: 2,
    // init keeps the key in the OS keychain when one answers; every test home uses the key file
    // instead (a developer's keychain is not a scratch pad), and the CLI processes the tests start
    // inherit this. Keychain tests opt in by setting it to "keychain" for their own commands.
    env: { MCP_OAUTH_BRIDGE_KEY_STORAGE: 'file' },
  },
})
