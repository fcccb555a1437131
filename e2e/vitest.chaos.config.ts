import { defineConfig } from "vitest/config";

/** The bounded fault run alone (`npm run chaos:short`): about 40 s on Node, 50 s on workerd. */
export default defineConfig({
  test: {
    include: ["test/chaos.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
