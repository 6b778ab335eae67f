/** Words more than one part of the console shows. */
import type { StaffStatus } from "../../../protocols/staff-api/schema.ts";

export const ILS_WORDS: Readonly<Record<StaffStatus["ils"], string>> = {
  connecting: "Connecting",
  online: "Online",
  "acs-offline": "Online, but the ILS says it is offline",
  down: "Unreachable",
};
