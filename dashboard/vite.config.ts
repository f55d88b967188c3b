/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

// The API answers at the root of the same origin (the local cloud on :3000, CloudFront on AWS); the app lives
// under /app/. `npm run dev` proxies everything that is not the app to the running local cloud.
const api = process.env.LEADPILOT_API ?? "http://127.0.0.1:3000";

export default defineConfig({
  base: "/app/",
  plugins: [react()],
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  build: {
    target: "es2022",
    sourcemap: true,
    chunkSizeWarningLimit: 700,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      "^/(?!app/|app$|@|node_modules|src/).*": { target: api, changeOrigin: false, ws: true },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
  },
});
