/**
 * A driver's health record and when to tell listeners about it, the same for drivers that rebuild their
 * detail on every change: `since` stays while the state does, the last error stays until a new one comes,
 * and a change that alters neither state, error nor detail is not news.
 */
import type { CodedError } from "../../protocols/errors.ts";
import { type DeviceErrorInfo, type DeviceHealth, errorInfo, type HealthState } from "./device.ts";

export interface HealthChange {
  error?: CodedError | undefined;
  /** When it happened. Default: now. */
  at?: Date;
}

export class HealthTracker {
  #health: DeviceHealth;
  readonly #onChange: (health: DeviceHealth) => void;
  readonly #notNews: readonly string[];

  /**
   * `onChange` hears a copy of every health that is news; `notNews` names detail keys (e.g. a check time)
   * whose change alone is not.
   */
  constructor(initial: DeviceHealth, onChange: (health: DeviceHealth) => void, notNews: readonly string[] = []) {
    this.#health = initial;
    this.#onChange = onChange;
    this.#notNews = notNews;
  }

  /** A copy of the current health. */
  current(): DeviceHealth {
    return structuredClone(this.#health);
  }

  get state(): HealthState {
    return this.#health.state;
  }

  get lastError(): DeviceErrorInfo | undefined {
    return this.#health.lastError;
  }

  set(state: HealthState, detail: Record<string, unknown>, change: HealthChange = {}): void {
    const previous = this.#health;
    const at = change.at ?? new Date();
    const next: DeviceHealth = {
      state,
      since: state === previous.state ? previous.since : at.toISOString(),
      detail,
    };
    const lastError = change.error ? errorInfo(change.error, at) : previous.lastError;
    if (lastError) next.lastError = lastError;
    const changed =
      next.state !== previous.state ||
      next.lastError?.message !== previous.lastError?.message ||
      this.#news(detail) !== this.#news(previous.detail ?? {});
    this.#health = next;
    if (changed) this.#onChange(this.current());
  }

  #news(detail: Record<string, unknown>): string {
    return JSON.stringify(Object.fromEntries(Object.entries(detail).filter(([key]) => !this.#notNews.includes(key))));
  }
}
