import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** The web UI: `src/web` built into `dist/`, which the admin server serves. */
export default defineConfig({
  root: fileURLToPath(new URL("./src/web", import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("./dist", import.meta.url)),
    emptyOutDir: true,
  },
  server: { proxy: { "/trpc": "http://127.0.0.1:8790", "/api": "http://127.0.0.1:8790" } },
});
