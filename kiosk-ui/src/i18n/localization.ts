/**
 * The patron's language: @lit/localize in runtime mode (lit.dev/docs/localization/runtime-mode). English is
 * the source; each other language is a module of templates keyed by message id, loaded when first chosen.
 * The bridge owns the choice (`state.language`); this only follows it.
 */
import { configureLocalization, type LocaleModule } from "@lit/localize";
import { languageFor } from "./languages.ts";

export { LANGUAGES, type Language, languageFor } from "./languages.ts";

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

/** Switches the words, `lang` and direction of the page to the language of `tag`. */
export async function applyLanguage(tag: string): Promise<void> {
  const language = languageFor(tag);
  if (getLocale() !== language.code) await setLocale(language.code);
  document.documentElement.lang = language.code;
  document.documentElement.dir = language.dir;
}
