/** The kiosk WebSocket API: schema and types (browser-safe). The validator is in validate.ts (bridge only). */
export * from "./schema.ts";
