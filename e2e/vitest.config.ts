import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The long cluster runs are `npm run test:cluster` (vitest.cluster.config.ts); the bounded one runs here.
    exclude: [...configDefaults.exclude, "test/cluster/*.long.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The suites each start a whole platform; running them one at a time keeps a 2-core machine honest.
    fileParallelism: false,
  },
});
