/**
 * The patron's language: @lit/localize in runtime mode (lit.dev/docs/localization/runtime-mode). English is
 * the source; each other language is a module of templates keyed by message id, loaded when first chosen.
 * The bridge owns the choice (`state.language`); this only follows it.
 */
import { configureLocalization, type LocaleModule } from "@lit/localize";

export interface Language {
  code: string;
  /** The language's name in itself, so a patron finds their own. */
  name: string;
  dir: "ltr" | "rtl";
}

export const LANGUAGES: readonly Language[] = [
  { code: "en", name: "English", dir: "ltr" },
  { code: "es", name: "Español", dir: "ltr" },
  { code: "fr", name: "Français", dir: "ltr" },
  { code: "ar", name: "العربية", dir: "rtl" },
];

const loaders: Record<string, () => Promise<LocaleModule>> = {
  es: () => import("./locales/es.ts"),
  fr: () => import("./locales/fr.ts"),
  ar: () => import("./locales/ar.ts"),
};

const { getLocale, setLocale } = configureLocalization({
  sourceLocale: "en",
  targetLocales: Object.keys(loaders),
  loadLocale: (code) => loaders[code]!(),
});

export { getLocale };

/** The language we have words for that best matches a BCP 47 tag ("es-MX" → es); English otherwise. */
export function languageFor(tag: string): Language {
  const base = tag.toLowerCase().split("-")[0];
  return LANGUAGES.find((l) => l.code === base) ?? LANGUAGES[0]!;
}

/** Switches the words, `lang` and direction of the page to the language of `tag`. */
export async function applyLanguage(tag: string): Promise<void> {
  const language = languageFor(tag);
  if (getLocale() !== language.code) await setLocale(language.code);
  document.documentElement.lang = language.code;
  document.documentElement.dir = language.dir;
}
