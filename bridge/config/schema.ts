/**
 * The bridge config file (JSON), as one TypeBox schema: the types below are derived from it, and the
 * loader checks files against it (bridge/config/load.ts). Defaults live here, next to the keys.
 *
 * Model-specific device options (`devices[].options`) are checked against the schema of the driver's
 * row in bridge/devices/factories.ts; the simulators section's options against simulators/devices/catalog.ts.
 */
import { type Static, type TObject, type TProperties, type TSchema, Type } from "@sinclair/typebox";
import { SIP2_CHARSETS } from "../../protocols/sip2/charset.ts";
import { OpeningHoursSchema } from "../../protocols/staff-api/hours.ts";

export {
  type OpenInterval,
  type OpeningHoursConfig,
  OpeningHoursSchema,
  WEEKDAYS,
  type Weekday,
} from "../../protocols/staff-api/hours.ts";

/** The kinds of device a kiosk has; drivers (bridge/devices) and simulators are tabled by kind + model. */
export const DEVICE_KINDS = ["scanner", "rfid", "printer", "relay"] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** A union of string literals, typed as that union and described as "one of a, b, c" in errors. */
export function oneOf<const T extends readonly string[]>(values: T, options: { default?: T[number] } = {}) {
  return Type.Unsafe<T[number]>(
    Type.Union(
      values.map((v) => Type.Literal(v)),
      options,
    ),
  );
}

/** An object that allows no other keys: an unknown option name is a typo, and the loader suggests the close one. */
export function closedObject<P extends TProperties>(properties: P): TObject<P> {
  return Type.Object(properties, { additionalProperties: false });
}

/**
 * The schema with a description for people: what the key is for. The staff console's configuration form shows
 * it in the console's language from kiosk-ui/src/staff/config-words.ts, whose English must say the same word for
 * word (test/kiosk-ui/config-words.test.ts fails otherwise, and for a key without a description).
 */
function described<T extends TSchema>(description: string, schema: T): T {
  return { ...schema, description };
}

const Id = Type.String({
  pattern: "^[a-z0-9][a-z0-9_-]{0,63}$",
  expected: 'an id of lower-case letters, digits, "-" and "_" (e.g. "rfid-pad")',
});
const NonEmpty = Type.String({ minLength: 1 });
const Port = Type.Integer({ minimum: 1, maximum: 65535 });
/** USB vendor or product id: a number, or 4 hex digits as lsusb shows them ("0403"). */
const UsbId = Type.Integer({
  minimum: 0,
  maximum: 0xffff,
  acceptHex: true,
  expected: 'a USB id: 4 hex digits as lsusb shows them ("0403") or a number 0-65535',
});

/** Finds a USB device wherever it is plugged in; see bridge/devices/discovery.ts. */
export const UsbMatchSchema = Type.Object(
  {
    vendorId: UsbId,
    productId: UsbId,
    serialNumber: Type.Optional(NonEmpty),
    location: described(
      'USB topology ("1-1.4") for identical devices without serial numbers.',
      Type.Optional(NonEmpty),
    ),
  },
  { additionalProperties: false },
);

export const PARITIES = ["none", "even", "odd", "mark", "space"] as const;
export const FLOW_CONTROLS = ["none", "rtscts", "xonxoff"] as const;

export const SerialTransportSchema = Type.Object(
  {
    type: Type.Literal("serial"),
    path: described(
      "/dev/ttyUSB0, /dev/serial/by-id/…, COM3. With `match`, only breaks ties between identical devices.",
      Type.Optional(NonEmpty),
    ),
    match: Type.Optional(UsbMatchSchema),
    baudRate: described(
      "Default: the model's (bridge/devices/factories.ts).",
      Type.Optional(Type.Integer({ minimum: 50, maximum: 4_000_000 })),
    ),
    dataBits: Type.Optional(Type.Union([Type.Literal(5), Type.Literal(6), Type.Literal(7), Type.Literal(8)])),
    parity: Type.Optional(oneOf(PARITIES)),
    stopBits: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(1.5), Type.Literal(2)])),
    flowControl: Type.Optional(oneOf(FLOW_CONTROLS)),
  },
  { additionalProperties: false },
);

export const TcpTransportSchema = Type.Object(
  {
    type: Type.Literal("tcp"),
    host: NonEmpty,
    port: described("Default: the model's (9100 for network receipt printers).", Type.Optional(Port)),
    connectTimeoutMs: Type.Integer({ minimum: 1, maximum: 600_000, default: 5000 }),
  },
  { additionalProperties: false },
);

export const HidTransportSchema = Type.Object(
  {
    type: Type.Literal("hid"),
    path: described("hidraw path (/dev/hidraw3); prefer `match`, paths change on replug.", Type.Optional(NonEmpty)),
    match: Type.Optional(UsbMatchSchema),
  },
  { additionalProperties: false },
);

export const UsbPrinterTransportSchema = Type.Object(
  {
    type: Type.Literal("usb-printer"),
    path: Type.String({ minLength: 1, default: "/dev/usb/lp0" }),
  },
  { additionalProperties: false },
);

export const TransportConfigSchema = Type.Union(
  [SerialTransportSchema, TcpTransportSchema, HidTransportSchema, UsbPrinterTransportSchema],
  { discriminator: "type" },
);

export const TRANSPORT_TYPES = ["serial", "tcp", "hid", "usb-printer"] as const;
export type TransportType = (typeof TRANSPORT_TYPES)[number];

export const DeviceConfigSchema = Type.Object(
  {
    id: Id,
    kind: oneOf(DEVICE_KINDS),
    model: described(
      'Driver model: "3m810", "cpr-m02", "hid-pos", "escpos", … (bridge/devices/factories.ts).',
      NonEmpty,
    ),
    name: described('Name for people, e.g. "RFID pad"; default: the id.', Type.Optional(NonEmpty)),
    transport: TransportConfigSchema,
    options: described(
      "Model-specific settings; checked against the model's schema.",
      Type.Record(Type.String(), Type.Unknown(), { default: {} }),
    ),
    enabled: described(
      "false keeps the entry in the file without starting the device.",
      Type.Boolean({ default: true }),
    ),
    trace: described(
      'Logs every frame to and from the device (direction, time, hex), for debugging hardware. A scanner\'s data is redacted (it may be a patron card) unless this is "unredacted".',
      Type.Union([Type.Boolean(), Type.Literal("unredacted")], { default: false }),
    ),
  },
  { additionalProperties: false },
);

/** ILS profiles: what real sites of each ILS need to differ (bridge/sip2/profiles.ts says what and why). */
export const SIP2_PROFILES = ["generic", "koha", "evergreen", "sierra", "alma", "polaris", "folio"] as const;
export type Sip2ProfileName = (typeof SIP2_PROFILES)[number];
export const SIP2_TERMINATORS = ["CR", "CRLF", "LF"] as const;

/** Any value of the chosen profile, overridden for one site. */
export const Sip2ProfileOverridesSchema = Type.Object(
  {
    terminator: described("What ends each message the kiosk sends.", Type.Optional(oneOf(SIP2_TERMINATORS))),
    sendEmptyPatronPassword: described("Send AD (patron password) even when empty.", Type.Optional(Type.Boolean())),
    scRenewalPolicy: described(
      "SC renewal policy flag in 11: may the ILS renew an item the patron already has?",
      Type.Optional(Type.Boolean()),
    ),
    maxScResends: described(
      "How often a request is sent again after a 96; 0 when the ILS does not support it.",
      Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    ),
    maxAcsResends: described(
      "How often an unreadable answer is asked for again with 97; 0 when the ILS does not support it.",
      Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    ),
    dateZone: described("Dates the kiosk sends: local time or UTC.", Type.Optional(oneOf(["local", "utc"] as const))),
  },
  { additionalProperties: false },
);

/** The SIP2 connection to the ILS (bridge/sip2/). */
export const Sip2ConfigSchema = Type.Object(
  {
    host: described("The ILS's SIP2 server: a host name or IP address.", NonEmpty),
    port: described("Its TCP port (often 6001).", Type.Integer({ minimum: 1, maximum: 65535, default: 6001 })),
    tls: described(
      "TLS to the ACS: true for the system CAs, or an object for a private CA or a self-signed ACS.",
      Type.Union(
        [
          Type.Boolean(),
          Type.Object(
            {
              /** PEM file of the CA that signed the ACS certificate. */
              caFile: Type.Optional(NonEmpty),
              /** Name to check the certificate against, when it differs from `host`. */
              serverName: Type.Optional(NonEmpty),
              /** Client certificate and its key (PEM files), for an ACS that asks for one. Both or neither. */
              certFile: Type.Optional(NonEmpty),
              keyFile: Type.Optional(NonEmpty),
              rejectUnauthorized: Type.Boolean({ default: true }),
            },
            { additionalProperties: false },
          ),
        ],
        { default: false },
      ),
    ),
    login: described(
      "The SIP2 account the kiosk logs in with (93).",
      Type.Object(
        {
          user: described("The SIP2 account's user name (CN in the 93 login).", NonEmpty),
          password: described(
            "The SIP2 account's password (CO in the 93 login); never logged or shown.",
            Type.String(),
          ),
          location: described(
            "Location code (CP in the 93 login), when the ILS wants one.",
            Type.Optional(Type.String()),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    institution: described("The institution id (AO) the ILS knows this library by.", Type.String()),
    terminal: described(
      "The SC's terminal location; sent as AP (current location) in checkins.",
      Type.Optional(Type.String()),
    ),
    terminalPassword: described(
      "AC terminal password, when the ILS wants one; never logged.",
      Type.Optional(Type.String()),
    ),
    profile: described(
      "Which ILS this is; its profile sets charset, terminator and the rest unless set here.",
      oneOf(SIP2_PROFILES, { default: "generic" }),
    ),
    charset: described("Default: the profile's (utf-8 for most).", Type.Optional(oneOf(SIP2_CHARSETS))),
    errorDetection: described(
      "Sequence numbers and checksums (AY/AZ). Off only for an ACS that rejects them.",
      Type.Boolean({ default: true }),
    ),
    connections: described(
      "Connections kept open to the ACS; real ILSes accept several logins per account.",
      Type.Integer({ minimum: 1, maximum: 16, default: 2 }),
    ),
    timeoutMs: described(
      "How long to wait for each answer from the ILS, in milliseconds.",
      Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 }),
    ),
    connectTimeoutMs: described(
      "How long a connection attempt may take, in milliseconds.",
      Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 }),
    ),
    heartbeatMs: described(
      "SC Status (99) after this long without traffic, so the ILS does not close an idle link; 0 = off.",
      Type.Integer({ minimum: 0, maximum: 3_600_000, default: 60_000 }),
    ),
    overrides: described(
      "Values of the chosen profile changed for this site.",
      Type.Optional(Sip2ProfileOverridesSchema),
    ),
  },
  { additionalProperties: false },
);

/** Where `selfcheck sim` (or the stack) exposes a simulator for a driver to reach. */
export const SimulatorExposeSchema = Type.Union(
  [
    Type.Object(
      {
        type: Type.Literal("pty"),
        link: described(
          "Also make a symlink here to the PTY, so a bridge config can name a stable path.",
          Type.Optional(NonEmpty),
        ),
        baudRate: described(
          "What the simulator's end of the line is set to. Default: the model's.",
          Type.Optional(Type.Integer({ minimum: 50, maximum: 4_000_000 })),
        ),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal("tcp"),
        host: Type.String({ minLength: 1, default: "127.0.0.1" }),
        port: described("0 picks a free port.", Type.Integer({ minimum: 0, maximum: 65535, default: 0 })),
      },
      { additionalProperties: false },
    ),
  ],
  { discriminator: "type" },
);

export const SimulatorConfigSchema = Type.Object(
  {
    id: Id,
    kind: oneOf(DEVICE_KINDS),
    model: NonEmpty,
    expose: SimulatorExposeSchema,
    options: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
  },
  { additionalProperties: false },
);

/**
 * Offline mode (bridge/kiosk/journal.ts, offline-policy.ts). The journal is written whether or not
 * offline checkouts are enabled: every transaction goes through it.
 */
export const OfflineConfigSchema = Type.Object(
  {
    journalPath: described(
      "SQLite file of the journal (statistics are kept in the same file); its folder is created.",
      Type.String({ minLength: 1, default: "data/selfcheck.db" }),
    ),
    enabled: described(
      "Check items out and in while the ILS is unreachable; replayed when it returns.",
      Type.Boolean({ default: false }),
    ),
    maxItemsPerPatron: described(
      "Items one patron may check out offline until the journal has been replayed.",
      Type.Integer({ minimum: 0, maximum: 1000, default: 5 }),
    ),
    blockedPatronsFile: described(
      "Patrons who may not check out offline: one identifier (or sha256:<hex> of one) per line.",
      Type.Optional(NonEmpty),
    ),
    withoutPinCheck: described(
      "While the ILS is down no PIN can be checked. true: the card alone identifies the patron (any PIN typed is taken), within maxItemsPerPatron and the blocked list; false: a kiosk that asks for PINs lends nothing offline (returns still work).",
      Type.Boolean({ default: true }),
    ),
    unknownOutcome: described(
      "A checkout whose answer from the ILS was lost is kept at the kiosk (security on, the patron told it was not lent). If the ILS turns out to have lent it after all: checkin = check it back in automatically, flag = leave it on loan for staff. Either way staff see it in the offline journal.",
      oneOf(["checkin", "flag"] as const, { default: "checkin" }),
    ),
    unknownOutcomeWaitMs: described(
      "How long a patron's checkout or return whose answer was lost waits for the ILS to say what it did, before the patron is told it is uncertain.",
      Type.Integer({ minimum: 0, maximum: 120_000, default: 15_000 }),
    ),
  },
  { additionalProperties: false, default: {} },
);

/** Transaction statistics (bridge/kiosk/statistics.ts); never any patron identity. */
export const StatisticsConfigSchema = Type.Object(
  {
    retentionDays: described(
      "Records older than this are deleted.",
      Type.Integer({ minimum: 1, maximum: 36_600, default: 730 }),
    ),
    timeZone: described(
      'IANA time zone for hourly and daily figures ("Europe/Berlin"); default: the system\'s.',
      Type.Optional(NonEmpty),
    ),
  },
  { additionalProperties: false, default: {} },
);

/** The patron session (bridge/kiosk/engine.ts); every value has a default a library can live with. */
export const KioskConfigSchema = Type.Object(
  {
    name: described("Shown to staff and in the kiosk's hello.", Type.String({ minLength: 1, default: "Self-check" })),
    languages: described(
      "Languages the patron may pick (BCP 47), the first is the default.",
      Type.Array(Type.String({ pattern: "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$" }), {
        minItems: 1,
        default: ["en", "es", "fr", "ar"],
      }),
    ),
    pinRequired: described(
      "Patrons type their PIN after their card; false: the card alone identifies them.",
      Type.Boolean({ default: true }),
    ),
    pinAttempts: described(
      "Wrong PINs one patron may type before the session ends.",
      Type.Integer({ minimum: 1, maximum: 10, default: 3 }),
    ),
    idleTimeoutSeconds: described(
      "Seconds of no activity before a session ends (Koha SCO: 120).",
      Type.Integer({ minimum: 30, maximum: 3600, default: 120 }),
    ),
    idleWarningSeconds: described(
      "Seconds of warning before that; WCAG 2.2.1 asks for at least 20.",
      Type.Integer({ minimum: 20, maximum: 600, default: 30 }),
    ),
    goodbyeSeconds: described(
      "Seconds the goodbye screen shows before the kiosk waits for the next patron.",
      Type.Integer({ minimum: 1, maximum: 60, default: 5 }),
    ),
    paymentTimeoutSeconds: described(
      "How long the card terminal may wait for a card before the kiosk stops the charge.",
      Type.Integer({ minimum: 10, maximum: 600, default: 90 }),
    ),
    sets: described(
      "Multi-part sets: wait until every part is on the pad, or send the patron to the desk.",
      oneOf(["wait", "desk"] as const, { default: "wait" }),
    ),
    renewOnCheckout: described(
      "Checking out an item the patron already has renews it.",
      Type.Boolean({ default: true }),
    ),
    liftedWindowSeconds: described(
      "Seconds a book lifted before its security write may take to come back.",
      Type.Integer({ minimum: 1, maximum: 120, default: 10 }),
    ),
    carts: described(
      'Cart colour named to the patron for each kind of returned item ("red").',
      Type.Object(
        {
          reshelve: described("For items that go back on the shelf.", Type.Optional(NonEmpty)),
          "hold-here": described("For items on hold for a patron of this library.", Type.Optional(NonEmpty)),
          "hold-elsewhere": described("For items on hold for a patron at another branch.", Type.Optional(NonEmpty)),
          transit: described("For items that belong to another branch.", Type.Optional(NonEmpty)),
          "sort-bin": described("For items the ILS sends to a sort bin.", Type.Optional(NonEmpty)),
        },
        { additionalProperties: false, default: {} },
      ),
    ),
    hours: described("The library's opening hours, and what the kiosk does while it is closed.", {
      ...OpeningHoursSchema,
      default: {},
    }),
  },
  { additionalProperties: false, default: {} },
);

/** The HTTP and WebSocket server the kiosk UI talks to. Loopback by default: the kiosk's own browser. */
export const ServerConfigSchema = Type.Object(
  {
    host: described(
      "The address to listen on; 127.0.0.1 serves this computer alone (the kiosk's own browser).",
      Type.String({ minLength: 1, default: "127.0.0.1" }),
    ),
    port: described("Its TCP port; 0 picks a free one.", Type.Integer({ minimum: 0, maximum: 65535, default: 8080 })),
    allowedOrigins: described(
      "Other origins allowed to open the kiosk socket (a UI development server).",
      Type.Array(NonEmpty, { default: [] }),
    ),
  },
  { additionalProperties: false, default: {} },
);

/**
 * Staff who may log in to the staff console (bridge/staff/). Passwords only as scrypt hashes made by
 * `selfcheck staff-password`; with no users, the console cannot be used.
 */
export const StaffConfigSchema = Type.Object(
  {
    users: described(
      "Staff user names with their password hashes; set a password with the form below.",
      Type.Array(
        Type.Object(
          {
            name: Type.String({
              pattern: "^[A-Za-z0-9._-]{1,64}$",
              expected: "a user name of letters, digits, ., _ and -",
            }),
            passwordHash: Type.String({
              pattern: "^scrypt\\$",
              expected: "a hash from `selfcheck staff-password` (scrypt$…)",
            }),
          },
          { additionalProperties: false },
        ),
        { default: [] },
      ),
    ),
    sessionMinutes: described(
      "Minutes without a request after which a staff session ends.",
      Type.Integer({ minimum: 1, maximum: 1440, default: 30 }),
    ),
    loginAttemptsPerMinute: described(
      "Login attempts one address may make per minute (every attempt counts, right or wrong).",
      Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
    ),
    tags: described(
      "The tag programming station: what a new tag gets unless staff choose otherwise.",
      Type.Object(
        {
          owner: described(
            'Owner library written to new tags (ISIL, e.g. "DE-1").',
            Type.Optional(Type.String({ maxLength: 16, pattern: "^[A-Za-z0-9:/-]*$" })),
          ),
          model: described(
            "Data model of new tags: ISO 28560-2 (compact, object identifiers) or ISO 28560-3 (fixed length, Danish model).",
            oneOf(["iso28560-2", "iso28560-3"] as const, { default: "iso28560-2" }),
          ),
        },
        { additionalProperties: false, default: {} },
      ),
    ),
    inventory: described(
      "Shelf inventory: the branch whose shelves these are, and Item Information requests in flight at once.",
      Type.Object(
        {
          branch: described(
            "The branch code the ILS gives as an item's permanent location (SIP2 AQ); default sip2.login.location.",
            Type.Optional(NonEmpty),
          ),
          concurrency: described(
            "Item Information requests (SIP2 17) in flight at once.",
            Type.Integer({ minimum: 1, maximum: 16, default: 4 }),
          ),
        },
        { additionalProperties: false, default: {} },
      ),
    ),
  },
  { additionalProperties: false, default: {} },
);

/** Receipts: what is offered and how email is sent. */
export const ReceiptsConfigSchema = Type.Object(
  {
    library: described(
      "The library's name at the top of a receipt.",
      Type.String({ minLength: 1, default: "Library" }),
    ),
    print: described("Offer printed receipts (when the printer works).", Type.Boolean({ default: true })),
    routingSlips: described(
      "Print a routing slip for each returned item that goes to the hold shelf or another branch (no patron data).",
      Type.Boolean({ default: true }),
    ),
    email: described(
      "SMTP for emailed receipts; without it, email is not offered.",
      Type.Optional(
        Type.Object(
          {
            host: described("The SMTP server: a host name or IP address.", NonEmpty),
            port: described(
              "Its TCP port (587 for submission, 465 with secure).",
              Type.Integer({ minimum: 1, maximum: 65535, default: 587 }),
            ),
            secure: described(
              "TLS from the start (port 465); otherwise STARTTLS when the server offers it.",
              Type.Boolean({ default: false }),
            ),
            user: described("The SMTP account's user name, when the server wants a login.", Type.Optional(NonEmpty)),
            password: described("The SMTP account's password; never logged or shown.", Type.Optional(NonEmpty)),
            from: described('The sender address of receipts ("Library <noreply@example.org>").', NonEmpty),
          },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false, default: {} },
);

export const BridgeConfigSchema = Type.Object(
  {
    sip2: described("The connection to the ILS's SIP2 server.", Type.Optional(Sip2ConfigSchema)),
    devices: described(
      "The kiosk's devices: scanners, the RFID pad, the receipt printer, the security relay.",
      Type.Array(DeviceConfigSchema, { default: [] }),
    ),
    simulators: described(
      "For `selfcheck sim`: simulators to run for the devices above (ignored by the bridge).",
      Type.Array(SimulatorConfigSchema, { default: [] }),
    ),
    offline: described(
      "Lending while the ILS is unreachable, and the journal every transaction is written to first.",
      OfflineConfigSchema,
    ),
    statistics: described("Transaction statistics (never any patron identity).", StatisticsConfigSchema),
    kiosk: described("The patron session: languages, PIN, timeouts, sets, carts, opening hours.", KioskConfigSchema),
    server: described("Where the kiosk page, its API and this console are served.", ServerConfigSchema),
    receipts: described("Printed and emailed receipts.", ReceiptsConfigSchema),
    staff: described("Who may use this console, and for how long a login lasts.", StaffConfigSchema),
  },
  { additionalProperties: false },
);

export type UsbMatch = Static<typeof UsbMatchSchema>;
export type SerialTransportConfig = Static<typeof SerialTransportSchema>;
export type TcpTransportConfig = Static<typeof TcpTransportSchema>;
export type HidTransportConfig = Static<typeof HidTransportSchema>;
export type UsbPrinterTransportConfig = Static<typeof UsbPrinterTransportSchema>;
export type TransportConfig = Static<typeof TransportConfigSchema>;
export type DeviceConfig = Static<typeof DeviceConfigSchema>;
export type Sip2Config = Static<typeof Sip2ConfigSchema>;
export type Sip2ProfileOverrides = Static<typeof Sip2ProfileOverridesSchema>;
export type KioskConfig = Static<typeof KioskConfigSchema>;
export type ServerConfig = Static<typeof ServerConfigSchema>;
export type ReceiptsConfig = Static<typeof ReceiptsConfigSchema>;
export type StaffConfig = Static<typeof StaffConfigSchema>;
export type SimulatorExpose = Static<typeof SimulatorExposeSchema>;
export type SimulatorConfig = Static<typeof SimulatorConfigSchema>;
export type OfflineConfig = Static<typeof OfflineConfigSchema>;
export type StatisticsConfig = Static<typeof StatisticsConfigSchema>;
export type BridgeConfig = Static<typeof BridgeConfigSchema>;

/** Serial line settings a model uses unless the config says otherwise. */
export interface SerialDefaults {
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  parity?: (typeof PARITIES)[number];
  stopBits?: 1 | 1.5 | 2;
}

/**
 * What the loader needs to know about each device model: which transports it can use, its defaults
 * and its options schema. Rows in bridge/devices/factories.ts carry these facts (plus how to build the
 * driver); kept as an interface here so config checks do not need the drivers.
 */
export interface DeviceModelSpec {
  kind: DeviceKind;
  model: string;
  /** One line for `selfcheck devices` and error messages. */
  summary: string;
  transports: readonly TransportType[];
  serial?: SerialDefaults;
  /** Default TCP port (9100 for raw network printers). */
  tcpPort?: number;
  /** Schema of `options` (with defaults). */
  options: TSchema;
  /**
   * What the driver still refuses in options the schema accepts (rules that tie options together, a logo
   * file that cannot be read), each problem at its key inside `options`: a config that loads starts.
   */
  checkOptions?(options: Record<string, unknown>): Array<{ path: string; message: string }>;
}
