import { defineConfig } from "vitest/config";

/**
 * `npm run test:cluster`: the long cluster runs (three NATS nodes, two of each service): repeated
 * kill -9 under load and a rolling restart of everything. Each takes minutes; one file at a time.
 */
export default defineConfig({
  test: {
    include: ["test/cluster/*.long.test.ts"],
    testTimeout: 1_200_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
