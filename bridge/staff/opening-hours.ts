/**
 * Opening hours at the staff console (GET and PUT /api/staff/hours): what the kiosk follows now, today's
 * hours and the next change, and new hours checked as the config loader checks them, applied to the kiosk
 * at once (KioskEngine.setHours) and saved to the config file through the configuration editor, so the next
 * start reads them too. A bridge without a config file (the simulated stack) applies them until it stops.
 */
import type { HoursView } from "../../protocols/staff-api/hours.ts";
import { checkOpeningHours } from "../config/hours.ts";
import { OpeningHoursSchema } from "../config/schema.ts";
import { checkValue, isPlainObject } from "../config/validate.ts";
import type { KioskEngine } from "../kiosk/engine.ts";
import { OpeningHours } from "../kiosk/opening-hours.ts";
import type { Clock } from "../transports/clock.ts";
import type { ConfigEditor } from "./config-editor.ts";
import { StaffError } from "./staff-error.ts";

const PATH = "kiosk.hours";
/** What a kiosk without hours follows: none, always open. */
const NO_HOURS = new OpeningHours({ whenClosed: "closed", returnsWhenClosed: false, exceptions: [] });

export interface StaffHoursParts {
  kiosk: KioskEngine;
  clock: Clock;
  /** Saves the config file; without one (or without a file behind it) changes are not kept. */
  editor?: ConfigEditor | undefined;
}

export class StaffHours {
  readonly #parts: StaffHoursParts;

  constructor(parts: StaffHoursParts) {
    this.#parts = parts;
  }

  view(): HoursView {
    const hours = this.#parts.kiosk.hours ?? NO_HOURS;
    const now = this.#parts.clock.now();
    const next = hours.nextChange(now);
    const { date, intervals, exception, note } = hours.dayHours(now);
    return {
      hours: structuredClone(hours.config),
      followed: hours.followed,
      open: hours.isOpen(now),
      timeZone: hours.timeZone,
      today: { date, intervals, exception, ...(note !== undefined ? { note } : {}) },
      nextChange: next === undefined ? null : new Date(next).toISOString(),
      file: this.#file(),
    };
  }

  /** Checks `body` as `kiosk.hours`, saves it (when there is a file) and applies it to the kiosk. */
  async change(body: unknown): Promise<HoursView> {
    const { value, problems } = checkValue(OpeningHoursSchema, body, PATH);
    if (problems.length === 0) problems.push(...checkOpeningHours(value, PATH));
    if (problems.length > 0) throw invalid(problems);
    const editor = this.#parts.editor;
    if (editor && this.#file() !== null) {
      const config = editor.view().config;
      const kiosk = isPlainObject(config.kiosk) ? config.kiosk : {};
      // Secrets left out of the view are kept by the editor as they are.
      const saved = await editor.save({ config: { ...config, kiosk: { ...kiosk, hours: value } } });
      if ("problems" in saved) throw invalid(saved.problems);
    }
    this.#parts.kiosk.setHours(new OpeningHours(value));
    return this.view();
  }

  #file(): string | null {
    return this.#parts.editor?.view().file ?? null;
  }
}

function invalid(problems: ReadonlyArray<{ path: string; message: string }>): StaffError {
  const count = problems.length;
  const error = new StaffError(
    "STAFF_CONFIG_INVALID",
    `the opening hours have ${count} problem${count === 1 ? "" : "s"}; nothing was changed. Fix ${count === 1 ? "it" : "them"} and save again.`,
    { problems },
  );
  return error;
}
