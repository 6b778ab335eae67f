/**
 * The bridge config file (JSON), as one TypeBox schema: the types below are derived from it, and the
 * loader checks files against it (bridge/config/load.ts). Defaults live here, next to the keys.
 *
 * Model-specific device options (`devices[].options`) are checked against the schema of the driver's
 * row in bridge/devices/factories.ts; the simulators section's options against simulators/devices/catalog.ts.
 */
import { type Static, type TObject, type TProperties, type TSchema, Type } from "@sinclair/typebox";
import { SIP2_CHARSETS } from "../../protocols/sip2/charset.ts";

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

const Id = Type.String({
  pattern: "^[a-z0-9][a-z0-9_-]{0,63}$",
  description: 'an id of lower-case letters, digits, "-" and "_" (e.g. "rfid-pad")',
});
const NonEmpty = Type.String({ minLength: 1 });
const Port = Type.Integer({ minimum: 1, maximum: 65535 });
/** USB vendor or product id: a number, or 4 hex digits as lsusb shows them ("0403"). */
const UsbId = Type.Integer({
  minimum: 0,
  maximum: 0xffff,
  acceptHex: true,
  description: 'a USB id: 4 hex digits as lsusb shows them ("0403") or a number 0-65535',
});

/** Finds a USB device wherever it is plugged in; see bridge/devices/discovery.ts. */
export const UsbMatchSchema = Type.Object(
  {
    vendorId: UsbId,
    productId: UsbId,
    serialNumber: Type.Optional(NonEmpty),
    /** USB topology ("1-1.4") for identical devices without serial numbers. */
    location: Type.Optional(NonEmpty),
  },
  { additionalProperties: false },
);

export const PARITIES = ["none", "even", "odd", "mark", "space"] as const;
export const FLOW_CONTROLS = ["none", "rtscts", "xonxoff"] as const;

export const SerialTransportSchema = Type.Object(
  {
    type: Type.Literal("serial"),
    /** /dev/ttyUSB0, /dev/serial/by-id/…, COM3. With `match`, only breaks ties between identical devices. */
    path: Type.Optional(NonEmpty),
    match: Type.Optional(UsbMatchSchema),
    /** Default: the model's (bridge/devices/factories.ts). */
    baudRate: Type.Optional(Type.Integer({ minimum: 50, maximum: 4_000_000 })),
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
    /** Default: the model's (9100 for network receipt printers). */
    port: Type.Optional(Port),
    connectTimeoutMs: Type.Integer({ minimum: 1, maximum: 600_000, default: 5000 }),
  },
  { additionalProperties: false },
);

export const HidTransportSchema = Type.Object(
  {
    type: Type.Literal("hid"),
    /** hidraw path (/dev/hidraw3); prefer `match`, paths change on replug. */
    path: Type.Optional(NonEmpty),
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
    /** Driver model: "3m810", "cpr-m02", "hid-pos", "escpos", … (bridge/devices/factories.ts). */
    model: NonEmpty,
    /** Name for people, e.g. "RFID pad"; default: the id. */
    name: Type.Optional(NonEmpty),
    transport: TransportConfigSchema,
    /** Model-specific settings; checked against the model's schema. */
    options: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
    /** false keeps the entry in the file without starting the device. */
    enabled: Type.Boolean({ default: true }),
    /**
     * Logs every frame to and from the device (direction, time, hex), for debugging hardware. A
     * scanner's data is redacted (it may be a patron card) unless this is "unredacted".
     */
    trace: Type.Union([Type.Boolean(), Type.Literal("unredacted")], { default: false }),
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
    /** What ends each message the kiosk sends. */
    terminator: Type.Optional(oneOf(SIP2_TERMINATORS)),
    /** Send AD (patron password) even when empty. */
    sendEmptyPatronPassword: Type.Optional(Type.Boolean()),
    /** SC renewal policy flag in 11: may the ILS renew an item the patron already has? */
    scRenewalPolicy: Type.Optional(Type.Boolean()),
    /** How often a request is sent again after a 96; 0 when the ILS does not support it. */
    maxScResends: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    /** How often an unreadable answer is asked for again with 97; 0 when the ILS does not support it. */
    maxAcsResends: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    /** Dates the kiosk sends: local time or UTC. */
    dateZone: Type.Optional(oneOf(["local", "utc"] as const)),
  },
  { additionalProperties: false },
);

/** The SIP2 connection to the ILS (bridge/sip2/). */
export const Sip2ConfigSchema = Type.Object(
  {
    host: NonEmpty,
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 6001 }),
    /** TLS to the ACS: true for the system CAs, or an object for a private CA or a self-signed ACS. */
    tls: Type.Union(
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
    login: Type.Object(
      {
        /** SIP2 93 login CN. */
        user: NonEmpty,
        /** SIP2 93 login CO; never logged. */
        password: Type.String(),
        /** SIP2 93 login CP: location code, when the ILS wants one. */
        location: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
    /** AO institution id. */
    institution: Type.String(),
    /** The SC's terminal location; sent as AP (current location) in checkins. */
    terminal: Type.Optional(Type.String()),
    /** AC terminal password, when the ILS wants one; never logged. */
    terminalPassword: Type.Optional(Type.String()),
    /** Which ILS this is; its profile sets charset, terminator and the rest unless set here. */
    profile: oneOf(SIP2_PROFILES, { default: "generic" }),
    /** Default: the profile's (utf-8 for most). */
    charset: Type.Optional(oneOf(SIP2_CHARSETS)),
    /** Sequence numbers and checksums (AY/AZ). Off only for an ACS that rejects them. */
    errorDetection: Type.Boolean({ default: true }),
    /** Connections kept open to the ACS; real ILSes accept several logins per account. */
    connections: Type.Integer({ minimum: 1, maximum: 16, default: 2 }),
    /** Per request. */
    timeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 }),
    connectTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 }),
    /** SC Status (99) after this long without traffic, so the ILS does not close an idle link; 0 = off. */
    heartbeatMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 60_000 }),
    overrides: Type.Optional(Sip2ProfileOverridesSchema),
  },
  { additionalProperties: false },
);

/** Where `selfcheck sim` (or the stack) exposes a simulator for a driver to reach. */
export const SimulatorExposeSchema = Type.Union(
  [
    Type.Object(
      {
        type: Type.Literal("pty"),
        /** Also make a symlink here to the PTY, so a bridge config can name a stable path. */
        link: Type.Optional(NonEmpty),
        /** What the simulator's end of the line is set to. Default: the model's. */
        baudRate: Type.Optional(Type.Integer({ minimum: 50, maximum: 4_000_000 })),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal("tcp"),
        host: Type.String({ minLength: 1, default: "127.0.0.1" }),
        /** 0 picks a free port. */
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
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
    /** SQLite file of the journal (statistics are kept in the same file); its folder is created. */
    journalPath: Type.String({ minLength: 1, default: "data/selfcheck.db" }),
    /** Check items out and in while the ILS is unreachable; replayed when it returns. */
    enabled: Type.Boolean({ default: false }),
    /** Items one patron may check out offline until the journal has been replayed. */
    maxItemsPerPatron: Type.Integer({ minimum: 0, maximum: 1000, default: 5 }),
    /** Patrons who may not check out offline: one identifier (or sha256:<hex> of one) per line. */
    blockedPatronsFile: Type.Optional(NonEmpty),
    /**
     * While the ILS is down no PIN can be checked. true: the card alone identifies the patron (any PIN typed
     * is taken), within maxItemsPerPatron and the blocked list; false: a kiosk that asks for PINs lends
     * nothing offline (returns still work).
     */
    withoutPinCheck: Type.Boolean({ default: true }),
  },
  { additionalProperties: false, default: {} },
);

/** Transaction statistics (bridge/kiosk/statistics.ts); never any patron identity. */
export const StatisticsConfigSchema = Type.Object(
  {
    /** Records older than this are deleted. */
    retentionDays: Type.Integer({ minimum: 1, maximum: 36_600, default: 730 }),
    /** IANA time zone for hourly and daily figures ("Europe/Berlin"); default: the system's. */
    timeZone: Type.Optional(NonEmpty),
  },
  { additionalProperties: false, default: {} },
);

/** The patron session (bridge/kiosk/engine.ts); every value has a default a library can live with. */
export const KioskConfigSchema = Type.Object(
  {
    /** Shown to staff and in the kiosk's hello. */
    name: Type.String({ minLength: 1, default: "Self-check" }),
    /** Languages the patron may pick (BCP 47), the first is the default. */
    languages: Type.Array(Type.String({ pattern: "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$" }), {
      minItems: 1,
      default: ["en", "es", "fr", "ar"],
    }),
    pinRequired: Type.Boolean({ default: true }),
    pinAttempts: Type.Integer({ minimum: 1, maximum: 10, default: 3 }),
    /** Seconds of no activity before a session ends (Koha SCO: 120). */
    idleTimeoutSeconds: Type.Integer({ minimum: 30, maximum: 3600, default: 120 }),
    /** Seconds of warning before that; WCAG 2.2.1 asks for at least 20. */
    idleWarningSeconds: Type.Integer({ minimum: 20, maximum: 600, default: 30 }),
    goodbyeSeconds: Type.Integer({ minimum: 1, maximum: 60, default: 5 }),
    /** How long the card terminal may wait for a card before the kiosk stops the charge. */
    paymentTimeoutSeconds: Type.Integer({ minimum: 10, maximum: 600, default: 90 }),
    /** Multi-part sets: wait until every part is on the pad, or send the patron to the desk. */
    sets: oneOf(["wait", "desk"] as const, { default: "wait" }),
    renewOnCheckout: Type.Boolean({ default: true }),
    /** Seconds a book lifted before its security write may take to come back. */
    liftedWindowSeconds: Type.Integer({ minimum: 1, maximum: 120, default: 10 }),
    /** Cart colour named to the patron for each kind of returned item ("red"). */
    carts: Type.Object(
      {
        reshelve: Type.Optional(NonEmpty),
        "hold-here": Type.Optional(NonEmpty),
        "hold-elsewhere": Type.Optional(NonEmpty),
        transit: Type.Optional(NonEmpty),
        "sort-bin": Type.Optional(NonEmpty),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

/** The HTTP and WebSocket server the kiosk UI talks to. Loopback by default: the kiosk's own browser. */
export const ServerConfigSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, default: "127.0.0.1" }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    /** Other origins allowed to open the kiosk socket (a UI development server). */
    allowedOrigins: Type.Array(NonEmpty, { default: [] }),
  },
  { additionalProperties: false, default: {} },
);

/**
 * Staff who may log in to the staff console (bridge/staff/). Passwords only as scrypt hashes made by
 * `selfcheck staff-password`; with no users, the console cannot be used.
 */
export const StaffConfigSchema = Type.Object(
  {
    users: Type.Array(
      Type.Object(
        {
          name: Type.String({
            pattern: "^[A-Za-z0-9._-]{1,64}$",
            description: "a user name of letters, digits, ., _ and -",
          }),
          passwordHash: Type.String({
            pattern: "^scrypt\\$",
            description: "a hash from `selfcheck staff-password` (scrypt$…)",
          }),
        },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
    /** Minutes without a request after which a staff session ends. */
    sessionMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 30 }),
    /** Login attempts one address may make per minute (every attempt counts, right or wrong). */
    loginAttemptsPerMinute: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
  },
  { additionalProperties: false, default: {} },
);

/** Receipts: what is offered and how email is sent. */
export const ReceiptsConfigSchema = Type.Object(
  {
    /** The library's name at the top of a receipt. */
    library: Type.String({ minLength: 1, default: "Library" }),
    print: Type.Boolean({ default: true }),
    /** Print a routing slip for each returned item that goes to the hold shelf or another branch (no patron data). */
    routingSlips: Type.Boolean({ default: true }),
    /** SMTP for emailed receipts; without it, email is not offered. */
    email: Type.Optional(
      Type.Object(
        {
          host: NonEmpty,
          port: Type.Integer({ minimum: 1, maximum: 65535, default: 587 }),
          /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
          secure: Type.Boolean({ default: false }),
          user: Type.Optional(NonEmpty),
          password: Type.Optional(NonEmpty),
          from: NonEmpty,
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, default: {} },
);

export const BridgeConfigSchema = Type.Object(
  {
    sip2: Type.Optional(Sip2ConfigSchema),
    devices: Type.Array(DeviceConfigSchema, { default: [] }),
    /** For `selfcheck sim`: simulators to run for the devices above (ignored by the bridge). */
    simulators: Type.Array(SimulatorConfigSchema, { default: [] }),
    offline: OfflineConfigSchema,
    statistics: StatisticsConfigSchema,
    kiosk: KioskConfigSchema,
    server: ServerConfigSchema,
    receipts: ReceiptsConfigSchema,
    staff: StaffConfigSchema,
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
