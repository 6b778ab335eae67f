/**
 * The languages the kiosk has words for, shared by the patron screen and the staff console (each loads its
 * own words: kiosk-ui/src/i18n/locales/ and kiosk-ui/src/staff/i18n/).
 */
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

/** The language we have words for that best matches a BCP 47 tag ("es-MX" → es); English otherwise. */
export function languageFor(tag: string): Language {
  const base = tag.toLowerCase().split("-")[0];
  return LANGUAGES.find((l) => l.code === base) ?? LANGUAGES[0]!;
}
