/** Words more than one part of the console shows. */
import { msg } from "@lit/localize";
import type { StaffStatus } from "../../../protocols/staff-api/schema.ts";

export const ILS_WORDS: Readonly<Record<StaffStatus["ils"], () => string>> = {
  connecting: () => msg("Connecting", { id: "staff.words.ils-connecting" }),
  online: () => msg("Online", { id: "staff.words.ils-online" }),
  "acs-offline": () => msg("Online, but the ILS says it is offline", { id: "staff.words.ils-acs-offline" }),
  down: () => msg("Unreachable", { id: "staff.words.ils-down" }),
};

export const inService = () => msg("In service", { id: "staff.words.in-service" });
export const outOfService = () => msg("Out of service", { id: "staff.words.out-of-service" });
