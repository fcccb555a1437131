import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // Browser suites start a whole platform; one file at a time keeps a 2-core machine honest.
    fileParallelism: false,
    globalSetup: ["./test/global-setup.ts"],
  },
});
