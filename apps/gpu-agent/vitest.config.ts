import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Integration tests boot real model servers (node processes): slow on a busy 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
