import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The suites each start a whole platform; running them one at a time keeps a 2-core machine honest.
    fileParallelism: false,
  },
});
