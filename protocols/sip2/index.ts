export * from "./catalog.ts";
export * from "./charset.ts";
export * from "./checksum.ts";
export * from "./codec.ts";
export * from "./dates.ts";
export * from "./enums.ts";
export * from "./errors.ts";
export * from "./framer.ts";
