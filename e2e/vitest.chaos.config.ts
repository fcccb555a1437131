import { defineConfig } from "vitest/config";

/** The bounded fault run alone (`npm run chaos:short`; `npm test` runs it with the other suites): about 30 s. */
export default defineConfig({
  test: {
    include: ["test/chaos.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
