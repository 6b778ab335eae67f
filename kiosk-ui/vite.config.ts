/** Builds the patron UI into kiosk-ui/dist, which the bridge serves at `/`. */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  base: "./",
  logLevel: "warn",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Chromium in kiosk mode is the only browser; one small bundle plus a chunk per extra language.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: {
    // `npx vite kiosk-ui` during development: the API goes to a bridge on its default port.
    proxy: { "/api": { target: "http://127.0.0.1:8080", ws: true } },
  },
});
