/**
 * The staff console's language: @lit/localize in runtime mode, configured for this page alone (the console
 * is its own vite page, so its words never load on the patron screen). English is the source; es, fr and ar
 * are modules here, loaded when first chosen. The choice is the browser's, kept in localStorage.
 */
import { configureLocalization, type LocaleModule } from "@lit/localize";
import { LANGUAGES, type Language, languageFor } from "../../i18n/languages.ts";

export { LANGUAGES };

const loaders: Record<string, () => Promise<LocaleModule>> = {
  es: () => import("./es.ts"),
  fr: () => import("./fr.ts"),
  ar: () => import("./ar.ts"),
};

const { getLocale, setLocale } = configureLocalization({
  sourceLocale: "en",
  targetLocales: Object.keys(loaders),
  loadLocale: (code) => loaders[code]!(),
});

export { getLocale };

const STORAGE_KEY = "selfcheck-staff-language";

/** The language chosen on this browser before, else the browser's own. */
export function initialLanguage(): Language {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage refused (a private window): the browser's language it is.
  }
  return languageFor(stored ?? navigator.language);
}

/** Switches the console's words, `lang` and direction, and remembers the choice on this browser. */
export async function applyLanguage(code: string): Promise<void> {
  const language = languageFor(code);
  if (getLocale() !== language.code) await setLocale(language.code);
  document.documentElement.lang = language.code;
  document.documentElement.dir = language.dir;
  try {
    localStorage.setItem(STORAGE_KEY, language.code);
  } catch {
    // Not remembered; it still applies now.
  }
}
