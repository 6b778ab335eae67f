/**
 * The patron's display modes (larger text, high contrast). They belong to the visit, like its language,
 * but the bridge does not hold them: the page keeps them in sessionStorage so a reload in the middle of a
 * visit keeps them, and drops them when the visit ends.
 */
export interface DisplayModes {
  largeText: boolean;
  highContrast: boolean;
}

export const PLAIN_DISPLAY: DisplayModes = { largeText: false, highContrast: false };

const KEY = "open-selfcheck.display-modes";

/** The modes saved before a reload; plain when none were saved or storage is unavailable. */
export function loadDisplayModes(storage: Storage | undefined = globalThis.sessionStorage): DisplayModes {
  try {
    const saved = JSON.parse(storage?.getItem(KEY) ?? "null") as Partial<DisplayModes> | null;
    return { largeText: saved?.largeText === true, highContrast: saved?.highContrast === true };
  } catch {
    return PLAIN_DISPLAY;
  }
}

export function saveDisplayModes(modes: DisplayModes, storage: Storage | undefined = globalThis.sessionStorage): void {
  try {
    if (modes.largeText || modes.highContrast) storage?.setItem(KEY, JSON.stringify(modes));
    else storage?.removeItem(KEY);
  } catch {
    // Storage refused (quota, privacy mode): the modes still work until a reload.
  }
}
