/**
 * ILS profiles: one row per ILS, only what real sites of that ILS need to differ from the generic SIP2
 * behaviour, each difference with the public source it comes from. Where no public source says anything,
 * the profile keeps the generic value and its notes say so: nothing here is guessed.
 *
 * Behaviour every profile shares, because every source read agrees, is in the generic row and in the
 * client itself: log in (93) before anything else (Evergreen's SIPServer/SIPconfig.xml sets
 * allow_sc_status_then_login="disabled"); accept CR, LF or CRLF at the end of an answer (Koha's
 * C4/SIP/Sip.pm write_msg ends answers with CRLF unless the account says terminator="CR"); 96 and 97 both
 * ways (Koha's C4/SIP/Sip.pm keeps $last_response for 97; FOLIO's edge-sip2 has a RequestSCResend
 * template and parses REQUEST_ACS_RESEND).
 */
import type { Sip2Charset } from "../../protocols/sip2/index.ts";
import type { Sip2ProfileName, Sip2ProfileOverrides } from "../config/schema.ts";

export interface Sip2ProfileValues {
  charset: Sip2Charset;
  terminator: "CR" | "CRLF" | "LF";
  errorDetection: boolean;
  sendEmptyPatronPassword: boolean;
  scRenewalPolicy: boolean;
  maxScResends: number;
  maxAcsResends: number;
  dateZone: "local" | "utc";
}

export interface Sip2Profile {
  /** Values that differ from generic. */
  values: Partial<Sip2ProfileValues>;
  /** What integrators of this ILS should know, each with its source; shown by `selfcheck sip2 check -v`. */
  notes: ReadonlyArray<{ says: string; source: string }>;
}

export const GENERIC_PROFILE: Readonly<Sip2ProfileValues> = {
  charset: "utf-8",
  terminator: "CR", // SIP2 2.00: a message ends with a carriage return
  errorDetection: true,
  sendEmptyPatronPassword: false,
  scRenewalPolicy: true,
  maxScResends: 2,
  maxAcsResends: 2,
  dateZone: "local", // SIP2 2.00: ZZZZ blank is the sender's local time
};

const NO_PUBLIC_SOURCE = (what: string) => ({
  says: `No public source on ${what} was found; the generic values apply. Check with the vendor.`,
  source: "-",
});

export const PROFILES: Readonly<Record<Sip2ProfileName, Sip2Profile>> = {
  generic: { values: {}, notes: [] },
  koha: {
    values: {},
    notes: [
      {
        says:
          "Character set, error detection and the delimiter are set per SIP account (encoding, error-detect, " +
          "delimiter attributes of <login>); set sip2.charset to the account's encoding.",
        source: "Koha-Community/Koha etc/SIPconfig.xml",
      },
      {
        says: 'Answers end in CRLF unless the account has terminator="CR"; the client accepts both.',
        source: "Koha-Community/Koha C4/SIP/Sip.pm (write_msg)",
      },
      {
        says:
          "Checkin alerts use the CV alert type; cv_triggers_alert, ct_always_send and cv_send_00_on_success " +
          "change when CV and CT are sent.",
        source: "Koha-Community/Koha etc/SIPconfig.xml",
      },
      {
        says:
          "client_timeout closes connections with no input from the SC (600 s in the example); keep " +
          "sip2.heartbeatMs below it.",
        source: "Koha-Community/Koha etc/SIPconfig.xml",
      },
    ],
  },
  evergreen: {
    values: {},
    notes: [
      {
        says: "Login must come before SC Status (allow_sc_status_then_login disabled), as the client does.",
        source: "evergreen-library-system/SIPServer SIPconfig.xml",
      },
      {
        says: "The character set is set per institution (<encoding>ascii</encoding> or UTF-8); match sip2.charset.",
        source: "evergreen-library-system/SIPServer SIPconfig.xml",
      },
    ],
  },
  // The public manuals of Sierra, Alma and Polaris describe setup and supported messages; none of them
  // says anything about charset, terminator, error detection or resends, so those stay generic.
  sierra: {
    values: {},
    notes: [
      {
        says:
          "SIP2 logins are created by Innovative, one per SIP2 license: keep sip2.connections within the " +
          "logins and licenses the library has.",
        source: "documentation.iii.com/sierrahelp/Content/sgcir/sgcir_sip2_selfcheck.html",
      },
      {
        says: "Sierra 4.1 and later offer secure SIP2 through stunnel beside plain text: use sip2.tls with its port.",
        source: "documentation.iii.com/sierrahelp/Content/sgcir/sgcir_sip2_selfcheck.html",
      },
      {
        says: "Renewals work only when the self-check uses SIP version 2.0 (the client sends 2.00).",
        source: "documentation.iii.com/sierrahelp/Content/sgcir/sgcir_sip2_selfcheck.html",
      },
      NO_PUBLIC_SOURCE("Sierra's character set and error detection"),
    ],
  },
  alma: {
    values: {},
    notes: [
      {
        says:
          "Supported: login, SC status, checkout, checkin, renew, renew all, fee paid, patron status, patron " +
          "and item information; messages not listed (hold, end session, block patron) are not supported.",
        source: "developers.exlibrisgroup.com/alma/integrations/selfcheck/sip2/",
      },
      {
        says:
          "AC (terminal password) is the one defined on the circulation desk: set sip2.terminalPassword. AP " +
          "in checkin is not supported; AO is the institution code (e.g. 01MY_INST).",
        source: "developers.exlibrisgroup.com/alma/integrations/selfcheck/sip2/",
      },
      {
        says: "The SC renewal policy flag of checkout is not used: a checkout of an item already on loan renews it.",
        source: "developers.exlibrisgroup.com/alma/integrations/selfcheck/sip2/",
      },
      {
        says:
          "SIP2 reaches the Alma cloud through stunnel on port 6443; transactions replayed after an outage " +
          "are processed without block checks, with the due dates the self-check gave.",
        source: "developers.exlibrisgroup.com/alma/integrations/selfcheck/",
      },
      NO_PUBLIC_SOURCE("Alma's character set and error detection"),
    ],
  },
  polaris: {
    values: {},
    notes: [
      {
        says:
          'The SIP login user and password are parameters of the organization (both "3MLogin" by default); ' +
          '"SIP uses patron passwords" decides whether AD is checked.',
        source:
          "documentation.iii.com/polaris/7.5/PolarisStaffHelp/Patron_Services_Admin/PDPselfcheckParams/Self-Check_Parameters_Reference.htm",
      },
      {
        says:
          "Patron blocks (free text, library-assigned) are reported in Patron Status and Patron Information " +
          "and block checkout; renewals via SIP follow the patron-initiated circulation blocks.",
        source:
          "documentation.iii.com/polaris/7.5/PolarisStaffHelp/Patron_Services_Admin/PDPselfcheck/Set_SIP_self-check_parameters.htm",
      },
      NO_PUBLIC_SOURCE("Polaris's character set and error detection"),
    ],
  },
  folio: {
    // edge-sip2's shipped self-check configuration uses IBM850 (code page 850).
    values: { charset: "cp850" },
    notes: [
      {
        says: 'The self-check configuration sets the charset ("charset": "IBM850" in the shipped example).',
        source: "folio-org/edge-sip2 src/main/resources/DefaultTenantConfiguration.json",
      },
      {
        says:
          "supportedMessages is configured per tenant and the shipped example marks Item Information, Renew " +
          "and Fee Paid as not supported: check `selfcheck sip2 check`, since a lost checkout is verified " +
          "with Item Information.",
        source: "folio-org/edge-sip2 src/main/resources/DefaultTenantConfiguration.json",
      },
      {
        says: "Checkin answers carry the CV alert type but no CT destination.",
        source: "folio-org/edge-sip2 src/main/resources/templates/CheckinResponse.ftl",
      },
    ],
  },
};

/** The profile's values with the site's overrides on top. */
export function resolveProfile(
  name: Sip2ProfileName,
  overrides: Sip2ProfileOverrides & { charset?: Sip2Charset | undefined; errorDetection?: boolean | undefined } = {},
): Sip2ProfileValues {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...GENERIC_PROFILE, ...PROFILES[name].values, ...defined };
}

export const TERMINATOR_BYTES = { CR: "\r", CRLF: "\r\n", LF: "\n" } as const;
