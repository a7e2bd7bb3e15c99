/// <reference types="vitest/config" />
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { reportBundleSize } from "./build/report-size.ts";

// The Flask app serves this folder at "/" (javumbo.api.webapp); the wheel ships it.
const outDir = fileURLToPath(new URL("../src/javumbo/webapp", import.meta.url));

export default defineConfig({
  plugins: [react(), reportBundleSize()],
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/login": "http://127.0.0.1:8000",
      "/register": "http://127.0.0.1:8000",
      "/refresh": "http://127.0.0.1:8000",
      "/logout": "http://127.0.0.1:8000",
      "/health": "http://127.0.0.1:8000",
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    environmentOptions: { jsdom: { url: "http://localhost:3000/" } },
    restoreMocks: true,
  },
});
