/**
 * The configuration form's words in the console's language: a label and a description for each part of the
 * form (config-form.ts builds it from the config schema), keyed by the config path the form and the bridge's
 * problems name it by ("sip2.login.user"). A list of objects (`devices`, `staff.users`) is one JSON field, so it
 * has one entry; the keys typed inside it are config syntax and stay as they are. Ids are
 * `staff.config.field.<path>.label|description` and `staff.config.choice.<path>.<value>`, the path as written
 * in the config file.
 *
 * The English descriptions are the schema's own (bridge/config/schema.ts, where `--help`-style tools and the JSON
 * schema read them): test/kiosk-ui/config-words.test.ts fails when the two differ, and when a part of the form
 * has no entry here. A path this table does not know (a newer bridge) shows the schema's English.
 */
import { msg } from "@lit/localize";
import { WEEKDAYS } from "../../../protocols/staff-api/hours.ts";
import type { FormField, FormGroup } from "./config-form.ts";
import { formatWeekday } from "./i18n/format.ts";

export interface KeyWords {
  label: string;
  description: string;
}

/** Every part of the form by path; a function, so the words are those of the language chosen now. */
export const CONFIG_KEY_WORDS = (): Readonly<Record<string, KeyWords>> => ({
  sip2: {
    label: msg("ILS connection (SIP2)", { id: "staff.config.field.sip2.label" }),
    description: msg("The connection to the ILS's SIP2 server.", { id: "staff.config.field.sip2.description" }),
  },
  "sip2.host": {
    label: msg("Host", { id: "staff.config.field.sip2.host.label" }),
    description: msg("The ILS's SIP2 server: a host name or IP address.", {
      id: "staff.config.field.sip2.host.description",
    }),
  },
  "sip2.port": {
    label: msg("Port", { id: "staff.config.field.sip2.port.label" }),
    description: msg("Its TCP port (often 6001).", { id: "staff.config.field.sip2.port.description" }),
  },
  "sip2.tls": {
    label: msg("Secure connection (TLS)", { id: "staff.config.field.sip2.tls.label" }),
    description: msg("TLS to the ACS: true for the system CAs, or an object for a private CA or a self-signed ACS.", {
      id: "staff.config.field.sip2.tls.description",
    }),
  },
  "sip2.login": {
    label: msg("SIP2 login", { id: "staff.config.field.sip2.login.label" }),
    description: msg("The SIP2 account the kiosk logs in with (93).", {
      id: "staff.config.field.sip2.login.description",
    }),
  },
  "sip2.login.user": {
    label: msg("User (CN)", { id: "staff.config.field.sip2.login.user.label" }),
    description: msg("The SIP2 account's user name (CN in the 93 login).", {
      id: "staff.config.field.sip2.login.user.description",
    }),
  },
  "sip2.login.password": {
    label: msg("Password (CO)", { id: "staff.config.field.sip2.login.password.label" }),
    description: msg("The SIP2 account's password (CO in the 93 login); never logged or shown.", {
      id: "staff.config.field.sip2.login.password.description",
    }),
  },
  "sip2.login.location": {
    label: msg("Location code (CP)", { id: "staff.config.field.sip2.login.location.label" }),
    description: msg("Location code (CP in the 93 login), when the ILS wants one.", {
      id: "staff.config.field.sip2.login.location.description",
    }),
  },
  "sip2.institution": {
    label: msg("Institution id (AO)", { id: "staff.config.field.sip2.institution.label" }),
    description: msg("The institution id (AO) the ILS knows this library by.", {
      id: "staff.config.field.sip2.institution.description",
    }),
  },
  "sip2.terminal": {
    label: msg("Terminal location (AP)", { id: "staff.config.field.sip2.terminal.label" }),
    description: msg("The SC's terminal location; sent as AP (current location) in checkins.", {
      id: "staff.config.field.sip2.terminal.description",
    }),
  },
  "sip2.terminalPassword": {
    label: msg("Terminal password (AC)", { id: "staff.config.field.sip2.terminalPassword.label" }),
    description: msg("AC terminal password, when the ILS wants one; never logged.", {
      id: "staff.config.field.sip2.terminalPassword.description",
    }),
  },
  "sip2.profile": {
    label: msg("ILS profile", { id: "staff.config.field.sip2.profile.label" }),
    description: msg("Which ILS this is; its profile sets charset, terminator and the rest unless set here.", {
      id: "staff.config.field.sip2.profile.description",
    }),
  },
  "sip2.charset": {
    label: msg("Character set", { id: "staff.config.field.sip2.charset.label" }),
    description: msg("Default: the profile's (utf-8 for most).", { id: "staff.config.field.sip2.charset.description" }),
  },
  "sip2.errorDetection": {
    label: msg("Error detection", { id: "staff.config.field.sip2.errorDetection.label" }),
    description: msg("Sequence numbers and checksums (AY/AZ). Off only for an ACS that rejects them.", {
      id: "staff.config.field.sip2.errorDetection.description",
    }),
  },
  "sip2.connections": {
    label: msg("Connections", { id: "staff.config.field.sip2.connections.label" }),
    description: msg("Connections kept open to the ACS; real ILSes accept several logins per account.", {
      id: "staff.config.field.sip2.connections.description",
    }),
  },
  "sip2.timeoutMs": {
    label: msg("Answer timeout (ms)", { id: "staff.config.field.sip2.timeoutMs.label" }),
    description: msg("How long to wait for each answer from the ILS, in milliseconds.", {
      id: "staff.config.field.sip2.timeoutMs.description",
    }),
  },
  "sip2.connectTimeoutMs": {
    label: msg("Connection timeout (ms)", { id: "staff.config.field.sip2.connectTimeoutMs.label" }),
    description: msg("How long a connection attempt may take, in milliseconds.", {
      id: "staff.config.field.sip2.connectTimeoutMs.description",
    }),
  },
  "sip2.heartbeatMs": {
    label: msg("Heartbeat (ms)", { id: "staff.config.field.sip2.heartbeatMs.label" }),
    description: msg(
      "SC Status (99) after this long without traffic, so the ILS does not close an idle link; 0 = off.",
      { id: "staff.config.field.sip2.heartbeatMs.description" },
    ),
  },
  "sip2.overrides": {
    label: msg("Profile overrides", { id: "staff.config.field.sip2.overrides.label" }),
    description: msg("Values of the chosen profile changed for this site.", {
      id: "staff.config.field.sip2.overrides.description",
    }),
  },
  "sip2.overrides.terminator": {
    label: msg("Message terminator", { id: "staff.config.field.sip2.overrides.terminator.label" }),
    description: msg("What ends each message the kiosk sends.", {
      id: "staff.config.field.sip2.overrides.terminator.description",
    }),
  },
  "sip2.overrides.sendEmptyPatronPassword": {
    label: msg("Send an empty patron password", {
      id: "staff.config.field.sip2.overrides.sendEmptyPatronPassword.label",
    }),
    description: msg("Send AD (patron password) even when empty.", {
      id: "staff.config.field.sip2.overrides.sendEmptyPatronPassword.description",
    }),
  },
  "sip2.overrides.scRenewalPolicy": {
    label: msg("SC renewal policy", { id: "staff.config.field.sip2.overrides.scRenewalPolicy.label" }),
    description: msg("SC renewal policy flag in 11: may the ILS renew an item the patron already has?", {
      id: "staff.config.field.sip2.overrides.scRenewalPolicy.description",
    }),
  },
  "sip2.overrides.maxScResends": {
    label: msg("Times a request is resent", { id: "staff.config.field.sip2.overrides.maxScResends.label" }),
    description: msg("How often a request is sent again after a 96; 0 when the ILS does not support it.", {
      id: "staff.config.field.sip2.overrides.maxScResends.description",
    }),
  },
  "sip2.overrides.maxAcsResends": {
    label: msg("Times an answer is asked for again", { id: "staff.config.field.sip2.overrides.maxAcsResends.label" }),
    description: msg("How often an unreadable answer is asked for again with 97; 0 when the ILS does not support it.", {
      id: "staff.config.field.sip2.overrides.maxAcsResends.description",
    }),
  },
  "sip2.overrides.dateZone": {
    label: msg("Time of dates sent", { id: "staff.config.field.sip2.overrides.dateZone.label" }),
    description: msg("Dates the kiosk sends: local time or UTC.", {
      id: "staff.config.field.sip2.overrides.dateZone.description",
    }),
  },
  devices: {
    label: msg("Devices", { id: "staff.config.field.devices.label" }),
    description: msg("The kiosk's devices: scanners, the RFID pad, the receipt printer, the security relay.", {
      id: "staff.config.field.devices.description",
    }),
  },
  simulators: {
    label: msg("Simulators", { id: "staff.config.field.simulators.label" }),
    description: msg("For `selfcheck sim`: simulators to run for the devices above (ignored by the bridge).", {
      id: "staff.config.field.simulators.description",
    }),
  },
  offline: {
    label: msg("Offline mode", { id: "staff.config.field.offline.label" }),
    description: msg("Lending while the ILS is unreachable, and the journal every transaction is written to first.", {
      id: "staff.config.field.offline.description",
    }),
  },
  "offline.journalPath": {
    label: msg("Journal file", { id: "staff.config.field.offline.journalPath.label" }),
    description: msg("SQLite file of the journal (statistics are kept in the same file); its folder is created.", {
      id: "staff.config.field.offline.journalPath.description",
    }),
  },
  "offline.enabled": {
    label: msg("Lend while the ILS is unreachable", { id: "staff.config.field.offline.enabled.label" }),
    description: msg("Check items out and in while the ILS is unreachable; replayed when it returns.", {
      id: "staff.config.field.offline.enabled.description",
    }),
  },
  "offline.maxItemsPerPatron": {
    label: msg("Items per patron offline", { id: "staff.config.field.offline.maxItemsPerPatron.label" }),
    description: msg("Items one patron may check out offline until the journal has been replayed.", {
      id: "staff.config.field.offline.maxItemsPerPatron.description",
    }),
  },
  "offline.blockedPatronsFile": {
    label: msg("Blocked patrons file", { id: "staff.config.field.offline.blockedPatronsFile.label" }),
    description: msg("Patrons who may not check out offline: one identifier (or sha256:<hex> of one) per line.", {
      id: "staff.config.field.offline.blockedPatronsFile.description",
    }),
  },
  "offline.withoutPinCheck": {
    label: msg("Lend without a PIN check", { id: "staff.config.field.offline.withoutPinCheck.label" }),
    description: msg(
      "While the ILS is down no PIN can be checked. true: the card alone identifies the patron (any PIN typed is taken), within maxItemsPerPatron and the blocked list; false: a kiosk that asks for PINs lends nothing offline (returns still work).",
      { id: "staff.config.field.offline.withoutPinCheck.description" },
    ),
  },
  "offline.unknownOutcome": {
    label: msg("When a checkout's answer is lost", { id: "staff.config.field.offline.unknownOutcome.label" }),
    description: msg(
      "A checkout whose answer from the ILS was lost is kept at the kiosk (security on, the patron told it was not lent). If the ILS turns out to have lent it after all: checkin = check it back in automatically, flag = leave it on loan for staff. Either way staff see it in the offline journal.",
      { id: "staff.config.field.offline.unknownOutcome.description" },
    ),
  },
  "offline.unknownOutcomeWaitMs": {
    label: msg("Wait for a lost answer (ms)", { id: "staff.config.field.offline.unknownOutcomeWaitMs.label" }),
    description: msg(
      "How long a patron's checkout or return whose answer was lost waits for the ILS to say what it did, before the patron is told it is uncertain.",
      { id: "staff.config.field.offline.unknownOutcomeWaitMs.description" },
    ),
  },
  statistics: {
    label: msg("Statistics", { id: "staff.config.field.statistics.label" }),
    description: msg("Transaction statistics (never any patron identity).", {
      id: "staff.config.field.statistics.description",
    }),
  },
  "statistics.retentionDays": {
    label: msg("Keep records (days)", { id: "staff.config.field.statistics.retentionDays.label" }),
    description: msg("Records older than this are deleted.", {
      id: "staff.config.field.statistics.retentionDays.description",
    }),
  },
  "statistics.timeZone": {
    label: msg("Time zone", { id: "staff.config.field.statistics.timeZone.label" }),
    description: msg('IANA time zone for hourly and daily figures ("Europe/Berlin"); default: the system\'s.', {
      id: "staff.config.field.statistics.timeZone.description",
    }),
  },
  kiosk: {
    label: msg("Kiosk", { id: "staff.config.field.kiosk.label" }),
    description: msg("The patron session: languages, PIN, timeouts, sets, carts, opening hours.", {
      id: "staff.config.field.kiosk.description",
    }),
  },
  "kiosk.name": {
    label: msg("Kiosk name", { id: "staff.config.field.kiosk.name.label" }),
    description: msg("Shown to staff and in the kiosk's hello.", { id: "staff.config.field.kiosk.name.description" }),
  },
  "kiosk.languages": {
    label: msg("Languages", { id: "staff.config.field.kiosk.languages.label" }),
    description: msg("Languages the patron may pick (BCP 47), the first is the default.", {
      id: "staff.config.field.kiosk.languages.description",
    }),
  },
  "kiosk.pinRequired": {
    label: msg("Ask for a PIN", { id: "staff.config.field.kiosk.pinRequired.label" }),
    description: msg("Patrons type their PIN after their card; false: the card alone identifies them.", {
      id: "staff.config.field.kiosk.pinRequired.description",
    }),
  },
  "kiosk.pinAttempts": {
    label: msg("PIN attempts", { id: "staff.config.field.kiosk.pinAttempts.label" }),
    description: msg("Wrong PINs one patron may type before the session ends.", {
      id: "staff.config.field.kiosk.pinAttempts.description",
    }),
  },
  "kiosk.idleTimeoutSeconds": {
    label: msg("Idle timeout (seconds)", { id: "staff.config.field.kiosk.idleTimeoutSeconds.label" }),
    description: msg("Seconds of no activity before a session ends (Koha SCO: 120).", {
      id: "staff.config.field.kiosk.idleTimeoutSeconds.description",
    }),
  },
  "kiosk.idleWarningSeconds": {
    label: msg("Idle warning (seconds)", { id: "staff.config.field.kiosk.idleWarningSeconds.label" }),
    description: msg("Seconds of warning before that; WCAG 2.2.1 asks for at least 20.", {
      id: "staff.config.field.kiosk.idleWarningSeconds.description",
    }),
  },
  "kiosk.goodbyeSeconds": {
    label: msg("Goodbye screen (seconds)", { id: "staff.config.field.kiosk.goodbyeSeconds.label" }),
    description: msg("Seconds the goodbye screen shows before the kiosk waits for the next patron.", {
      id: "staff.config.field.kiosk.goodbyeSeconds.description",
    }),
  },
  "kiosk.paymentTimeoutSeconds": {
    label: msg("Payment timeout (seconds)", { id: "staff.config.field.kiosk.paymentTimeoutSeconds.label" }),
    description: msg("How long the card terminal may wait for a card before the kiosk stops the charge.", {
      id: "staff.config.field.kiosk.paymentTimeoutSeconds.description",
    }),
  },
  "kiosk.sets": {
    label: msg("Multi-part sets", { id: "staff.config.field.kiosk.sets.label" }),
    description: msg("Multi-part sets: wait until every part is on the pad, or send the patron to the desk.", {
      id: "staff.config.field.kiosk.sets.description",
    }),
  },
  "kiosk.renewOnCheckout": {
    label: msg("Renew on checkout", { id: "staff.config.field.kiosk.renewOnCheckout.label" }),
    description: msg("Checking out an item the patron already has renews it.", {
      id: "staff.config.field.kiosk.renewOnCheckout.description",
    }),
  },
  "kiosk.liftedWindowSeconds": {
    label: msg("Lifted item window (seconds)", { id: "staff.config.field.kiosk.liftedWindowSeconds.label" }),
    description: msg("Seconds a book lifted before its security write may take to come back.", {
      id: "staff.config.field.kiosk.liftedWindowSeconds.description",
    }),
  },
  "kiosk.carts": {
    label: msg("Return carts", { id: "staff.config.field.kiosk.carts.label" }),
    description: msg('Cart colour named to the patron for each kind of returned item ("red").', {
      id: "staff.config.field.kiosk.carts.description",
    }),
  },
  "kiosk.carts.reshelve": {
    label: msg("Reshelve", { id: "staff.config.field.kiosk.carts.reshelve.label" }),
    description: msg("For items that go back on the shelf.", {
      id: "staff.config.field.kiosk.carts.reshelve.description",
    }),
  },
  "kiosk.carts.hold-here": {
    label: msg("Hold here", { id: "staff.config.field.kiosk.carts.hold-here.label" }),
    description: msg("For items on hold for a patron of this library.", {
      id: "staff.config.field.kiosk.carts.hold-here.description",
    }),
  },
  "kiosk.carts.hold-elsewhere": {
    label: msg("Hold elsewhere", { id: "staff.config.field.kiosk.carts.hold-elsewhere.label" }),
    description: msg("For items on hold for a patron at another branch.", {
      id: "staff.config.field.kiosk.carts.hold-elsewhere.description",
    }),
  },
  "kiosk.carts.transit": {
    label: msg("In transit", { id: "staff.config.field.kiosk.carts.transit.label" }),
    description: msg("For items that belong to another branch.", {
      id: "staff.config.field.kiosk.carts.transit.description",
    }),
  },
  "kiosk.carts.sort-bin": {
    label: msg("Sort bin", { id: "staff.config.field.kiosk.carts.sort-bin.label" }),
    description: msg("For items the ILS sends to a sort bin.", {
      id: "staff.config.field.kiosk.carts.sort-bin.description",
    }),
  },
  "kiosk.hours": {
    label: msg("Opening hours", { id: "staff.config.field.kiosk.hours.label" }),
    description: msg("The library's opening hours, and what the kiosk does while it is closed.", {
      id: "staff.config.field.kiosk.hours.description",
    }),
  },
  "kiosk.hours.whenClosed": {
    label: msg("While the library is closed", { id: "staff.config.field.kiosk.hours.whenClosed.label" }),
    description: msg(
      'What the kiosk does while the library is closed: "closed" (the patron screen says so and when it opens again; a session under way finishes) or "open" (hours are ignored).',
      { id: "staff.config.field.kiosk.hours.whenClosed.description" },
    ),
  },
  "kiosk.hours.returnsWhenClosed": {
    label: msg("Take returns while closed", { id: "staff.config.field.kiosk.hours.returnsWhenClosed.label" }),
    description: msg("While closed, returns without a card are still taken (for a kiosk in a lobby that stays open).", {
      id: "staff.config.field.kiosk.hours.returnsWhenClosed.description",
    }),
  },
  "kiosk.hours.timeZone": {
    label: msg("Time zone", { id: "staff.config.field.kiosk.hours.timeZone.label" }),
    description: msg('IANA time zone of the hours ("Europe/Berlin"); default: the system\'s.', {
      id: "staff.config.field.kiosk.hours.timeZone.description",
    }),
  },
  "kiosk.hours.weekly": {
    label: msg("Weekly hours", { id: "staff.config.field.kiosk.hours.weekly.label" }),
    description: msg(
      'Open intervals per weekday, e.g. "monday": [{"opens": "09:00", "closes": "12:30"}, {"opens": "13:30", "closes": "19:00"}]. A day left out or [] is closed all day.',
      { id: "staff.config.field.kiosk.hours.weekly.description" },
    ),
  },
  "kiosk.hours.exceptions": {
    label: msg("Exceptions", { id: "staff.config.field.kiosk.hours.exceptions.label" }),
    description: msg(
      "Dated days that differ from the week: holidays (hours [] = closed) or special hours. `until` makes it a range of days (inclusive).",
      { id: "staff.config.field.kiosk.hours.exceptions.description" },
    ),
  },
  server: {
    label: msg("Server", { id: "staff.config.field.server.label" }),
    description: msg("Where the kiosk page, its API and this console are served.", {
      id: "staff.config.field.server.description",
    }),
  },
  "server.host": {
    label: msg("Listen address", { id: "staff.config.field.server.host.label" }),
    description: msg("The address to listen on; 127.0.0.1 serves this computer alone (the kiosk's own browser).", {
      id: "staff.config.field.server.host.description",
    }),
  },
  "server.port": {
    label: msg("Port", { id: "staff.config.field.server.port.label" }),
    description: msg("Its TCP port; 0 picks a free one.", { id: "staff.config.field.server.port.description" }),
  },
  "server.allowedOrigins": {
    label: msg("Allowed origins", { id: "staff.config.field.server.allowedOrigins.label" }),
    description: msg("Other origins allowed to open the kiosk socket (a UI development server).", {
      id: "staff.config.field.server.allowedOrigins.description",
    }),
  },
  receipts: {
    label: msg("Receipts", { id: "staff.config.field.receipts.label" }),
    description: msg("Printed and emailed receipts.", { id: "staff.config.field.receipts.description" }),
  },
  "receipts.library": {
    label: msg("Library name", { id: "staff.config.field.receipts.library.label" }),
    description: msg("The library's name at the top of a receipt.", {
      id: "staff.config.field.receipts.library.description",
    }),
  },
  "receipts.print": {
    label: msg("Printed receipts", { id: "staff.config.field.receipts.print.label" }),
    description: msg("Offer printed receipts (when the printer works).", {
      id: "staff.config.field.receipts.print.description",
    }),
  },
  "receipts.routingSlips": {
    label: msg("Routing slips", { id: "staff.config.field.receipts.routingSlips.label" }),
    description: msg(
      "Print a routing slip for each returned item that goes to the hold shelf or another branch (no patron data).",
      { id: "staff.config.field.receipts.routingSlips.description" },
    ),
  },
  "receipts.email": {
    label: msg("Email (SMTP)", { id: "staff.config.field.receipts.email.label" }),
    description: msg("SMTP for emailed receipts; without it, email is not offered.", {
      id: "staff.config.field.receipts.email.description",
    }),
  },
  "receipts.email.host": {
    label: msg("SMTP server", { id: "staff.config.field.receipts.email.host.label" }),
    description: msg("The SMTP server: a host name or IP address.", {
      id: "staff.config.field.receipts.email.host.description",
    }),
  },
  "receipts.email.port": {
    label: msg("Port", { id: "staff.config.field.receipts.email.port.label" }),
    description: msg("Its TCP port (587 for submission, 465 with secure).", {
      id: "staff.config.field.receipts.email.port.description",
    }),
  },
  "receipts.email.secure": {
    label: msg("TLS from the start", { id: "staff.config.field.receipts.email.secure.label" }),
    description: msg("TLS from the start (port 465); otherwise STARTTLS when the server offers it.", {
      id: "staff.config.field.receipts.email.secure.description",
    }),
  },
  "receipts.email.user": {
    label: msg("User", { id: "staff.config.field.receipts.email.user.label" }),
    description: msg("The SMTP account's user name, when the server wants a login.", {
      id: "staff.config.field.receipts.email.user.description",
    }),
  },
  "receipts.email.password": {
    label: msg("Password", { id: "staff.config.field.receipts.email.password.label" }),
    description: msg("The SMTP account's password; never logged or shown.", {
      id: "staff.config.field.receipts.email.password.description",
    }),
  },
  "receipts.email.from": {
    label: msg("Sender address", { id: "staff.config.field.receipts.email.from.label" }),
    description: msg('The sender address of receipts ("Library <noreply@example.org>").', {
      id: "staff.config.field.receipts.email.from.description",
    }),
  },
  staff: {
    label: msg("Staff", { id: "staff.config.field.staff.label" }),
    description: msg("Who may use this console, and for how long a login lasts.", {
      id: "staff.config.field.staff.description",
    }),
  },
  "staff.users": {
    label: msg("Staff users", { id: "staff.config.field.staff.users.label" }),
    description: msg("Staff user names with their password hashes; set a password with the form below.", {
      id: "staff.config.field.staff.users.description",
    }),
  },
  "staff.sessionMinutes": {
    label: msg("Session length (minutes)", { id: "staff.config.field.staff.sessionMinutes.label" }),
    description: msg("Minutes without a request after which a staff session ends.", {
      id: "staff.config.field.staff.sessionMinutes.description",
    }),
  },
  "staff.loginAttemptsPerMinute": {
    label: msg("Login attempts per minute", { id: "staff.config.field.staff.loginAttemptsPerMinute.label" }),
    description: msg("Login attempts one address may make per minute (every attempt counts, right or wrong).", {
      id: "staff.config.field.staff.loginAttemptsPerMinute.description",
    }),
  },
  "staff.tags": {
    label: msg("Tag programming", { id: "staff.config.field.staff.tags.label" }),
    description: msg("The tag programming station: what a new tag gets unless staff choose otherwise.", {
      id: "staff.config.field.staff.tags.description",
    }),
  },
  "staff.tags.owner": {
    label: msg("Owner library (ISIL)", { id: "staff.config.field.staff.tags.owner.label" }),
    description: msg('Owner library written to new tags (ISIL, e.g. "DE-1").', {
      id: "staff.config.field.staff.tags.owner.description",
    }),
  },
  "staff.tags.model": {
    label: msg("Data model", { id: "staff.config.field.staff.tags.model.label" }),
    description: msg(
      "Data model of new tags: ISO 28560-2 (compact, object identifiers) or ISO 28560-3 (fixed length, Danish model).",
      { id: "staff.config.field.staff.tags.model.description" },
    ),
  },
  "staff.inventory": {
    label: msg("Inventory", { id: "staff.config.field.staff.inventory.label" }),
    description: msg(
      "Shelf inventory: the branch whose shelves these are, and Item Information requests in flight at once.",
      { id: "staff.config.field.staff.inventory.description" },
    ),
  },
  "staff.inventory.branch": {
    label: msg("Branch", { id: "staff.config.field.staff.inventory.branch.label" }),
    description: msg(
      "The branch code the ILS gives as an item's permanent location (SIP2 AQ); default sip2.login.location.",
      { id: "staff.config.field.staff.inventory.branch.description" },
    ),
  },
  "staff.inventory.concurrency": {
    label: msg("Requests at once", { id: "staff.config.field.staff.inventory.concurrency.label" }),
    description: msg("Item Information requests (SIP2 17) in flight at once.", {
      id: "staff.config.field.staff.inventory.concurrency.description",
    }),
  },
  ...Object.fromEntries(
    WEEKDAYS.map((day, index) => [
      `kiosk.hours.weekly.${day}`,
      {
        label: formatWeekday(index),
        description: msg(
          'The day\'s open intervals, e.g. [{"opens": "09:00", "closes": "17:00"}]; [] is closed all day.',
          { id: "staff.config.field.kiosk.hours.weekly.day.description" },
        ),
      },
    ]),
  ),
});

/**
 * The words for the values of a choice, where they are words: a name (koha), a code (utf-8, CRLF) or a
 * standard's number (iso28560-2) is shown as it is written in the config.
 */
export const CONFIG_CHOICE_WORDS = (): Readonly<Record<string, Readonly<Record<string, string>>>> => ({
  "sip2.profile": {
    generic: msg("Generic", { id: "staff.config.choice.sip2.profile.generic" }),
  },
  "sip2.overrides.dateZone": {
    local: msg("Local time", { id: "staff.config.choice.sip2.overrides.dateZone.local" }),
  },
  "offline.unknownOutcome": {
    checkin: msg("Check it back in", { id: "staff.config.choice.offline.unknownOutcome.checkin" }),
    flag: msg("Leave it on loan for staff", { id: "staff.config.choice.offline.unknownOutcome.flag" }),
  },
  "kiosk.sets": {
    wait: msg("Wait for every part", { id: "staff.config.choice.kiosk.sets.wait" }),
    desk: msg("Send the patron to the desk", { id: "staff.config.choice.kiosk.sets.desk" }),
  },
  "kiosk.hours.whenClosed": {
    closed: msg("Closed", { id: "staff.config.choice.kiosk.hours.whenClosed.closed" }),
    open: msg("Open (hours ignored)", { id: "staff.config.choice.kiosk.hours.whenClosed.open" }),
  },
});

/** A part of the form in words: the table's, or the schema's English for a path the table does not know. */
export function wordsOf(table: Readonly<Record<string, KeyWords>>, part: FormGroup | FormField): KeyWords {
  return table[part.name] ?? { label: part.label, description: part.description ?? "" };
}

/** A choice's value in words; a value that is not a word (or one a newer bridge added) as written. */
export function choiceWord(
  table: Readonly<Record<string, Readonly<Record<string, string>>>>,
  field: FormField,
  value: string,
): string {
  if (field.yesNo)
    return value === "true" ? msg("Yes", { id: "staff.config.yes" }) : msg("No", { id: "staff.config.no" });
  return table[field.name]?.[value] ?? value;
}
