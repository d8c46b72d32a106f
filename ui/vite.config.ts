// Builds the dashboard into dist/ for the server to embed: relative asset
// URLs (it is served under /ui/), no source maps, no inline scripts (the
// server's Content-Security-Policy forbids them), content-hashed names so
// two builds of the same sources give the same files.
import { defineConfig } from "vite";

// `npm run dev` proxies the API to a running server (ORCHESTRATOR_HTTP).
const api = process.env.ORCHESTRATOR_HTTP ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    target: "es2022",
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: {
    host: "127.0.0.1",
    proxy: { "/v1": api, "/healthz": api },
  },
});
