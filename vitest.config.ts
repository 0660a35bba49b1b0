import { defineConfig } from "vitest/config"

// One config for the monorepo. Workspace packages resolve through their node_modules symlinks to src/*.ts.
// The global setup makes sure the development services are up (or explains why integration tests skip).
export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/support/globalSetup.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000
  }
})
