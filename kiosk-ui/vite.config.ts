/** Builds the patron UI into kiosk-ui/dist, which the bridge serves at `/`, and the staff console at `/staff/`. */
import { join } from "node:path";
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
    // Two pages: the patron screen and the staff console; the staff code never loads on the patron screen.
    rollupOptions: { input: { kiosk: join(root, "index.html"), staff: join(root, "staff", "index.html") } },
  },
  server: {
    // `npx vite kiosk-ui` during development: the API goes to a bridge on its default port.
    proxy: { "/api": { target: "http://127.0.0.1:8080", ws: true } },
  },
});
