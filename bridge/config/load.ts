/**
 * Reading the bridge config: JSON → checked against the schema (every problem named by its key path)
 * → checked against what each device model supports → completed with defaults. What comes back is
 * ready for the device registry: every serial line has its settings, every TCP device its port.
 */
import { readFile } from "node:fs/promises";
import { describeError } from "../../protocols/errors.ts";
import { checkOpeningHours, checkTimeZone } from "./hours.ts";
import {
  BridgeConfigSchema,
  type DeviceConfig,
  type DeviceModelSpec,
  type HidTransportConfig,
  type KioskConfig,
  type OfflineConfig,
  type ReceiptsConfig,
  type SerialTransportConfig,
  type ServerConfig,
  type SimulatorConfig,
  type Sip2Config,
  type StaffConfig,
  type StatisticsConfig,
  type TcpTransportConfig,
  type TransportConfig,
  type UsbPrinterTransportConfig,
} from "./schema.ts";
import { ConfigError, type ConfigProblem, checkValue, closest, invalidConfig, joinPath } from "./validate.ts";

export type ResolvedSerialTransport = SerialTransportConfig &
  Required<Pick<SerialTransportConfig, "baudRate" | "dataBits" | "parity" | "stopBits" | "flowControl">>;
export type ResolvedTcpTransport = TcpTransportConfig & { port: number };
export type ResolvedTransport =
  | ResolvedSerialTransport
  | ResolvedTcpTransport
  | HidTransportConfig
  | UsbPrinterTransportConfig;

/** A device entry after loading: defaults in place, options checked against the model's schema. */
export type ResolvedDeviceConfig = Omit<DeviceConfig, "transport" | "name"> & {
  name: string;
  transport: ResolvedTransport;
};

export interface LoadedConfig {
  /** Where it came from, for messages: a file path or "generated config". */
  source: string;
  sip2?: Sip2Config;
  devices: ResolvedDeviceConfig[];
  simulators: SimulatorConfig[];
  offline: OfflineConfig;
  statistics: StatisticsConfig;
  kiosk: KioskConfig;
  server: ServerConfig;
  receipts: ReceiptsConfig;
  staff: StaffConfig;
}

/** What the loader knows about simulator models (simulators/devices/catalog.ts supplies it). */
export interface SimulatorModelSpec {
  kind: string;
  model: string;
  options: DeviceModelSpec["options"];
}

export interface ParseOptions {
  /**
   * Driver models: the composition root passes bridge/devices/factories.ts's table (config sits below
   * the drivers, so it cannot import it; bridge/main.ts's loadBridgeConfig does this).
   */
  models: readonly DeviceModelSpec[];
  /** Simulator models; when given, the `simulators` section is checked against them too. */
  simulatorModels?: readonly SimulatorModelSpec[];
}

/** Reads and checks a config file. Throws ConfigError: CONFIG_UNREADABLE or CONFIG_INVALID. */
export async function loadConfig(path: string, options: ParseOptions): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const problem = { path: "", message: `cannot read the file (${describeError(err)})` };
    throw new ConfigError("CONFIG_UNREADABLE", `${path}: ${problem.message}. Check the path.`, [problem], path);
  }
  return parseConfigText(text, path, options);
}

/** Parses JSON text; a syntax error is CONFIG_INVALID with the line and column. */
export function parseConfigText(text: string, source: string, options: ParseOptions): LoadedConfig {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (err) {
    throw invalidConfig(source, [{ path: "", message: `not valid JSON (${jsonSyntaxWhere(text, err)})` }]);
  }
  return parseConfig(json, source, options);
}

/** Checks a parsed config value; throws CONFIG_INVALID listing every problem. */
export function parseConfig(json: unknown, source: string, options: ParseOptions): LoadedConfig {
  const { models } = options;
  const { value, problems } = checkValue(BridgeConfigSchema, json);
  if (problems.length > 0) throw invalidConfig(source, problems);

  const devices = value.devices.map((device, i) => resolveDevice(device, joinPath("devices", i), models, problems));
  duplicateIds(value.devices, "devices", problems);
  const simulators = options.simulatorModels
    ? value.simulators.map((sim, i) =>
        resolveSimulator(sim, joinPath("simulators", i), options.simulatorModels ?? [], problems),
      )
    : value.simulators;
  duplicateIds(value.simulators, "simulators", problems);
  checkTimeZone(value.statistics.timeZone, "statistics.timeZone", problems);
  problems.push(...checkOpeningHours(value.kiosk.hours, "kiosk.hours"));
  if (problems.length > 0) throw invalidConfig(source, problems);

  const loaded: LoadedConfig = {
    source,
    devices: devices as ResolvedDeviceConfig[],
    simulators,
    offline: value.offline,
    statistics: value.statistics,
    kiosk: value.kiosk,
    server: value.server,
    receipts: value.receipts,
    staff: value.staff,
  };
  if (value.sip2) loaded.sip2 = value.sip2;
  return loaded;
}

function resolveDevice(
  device: DeviceConfig,
  path: string,
  models: readonly DeviceModelSpec[],
  problems: ConfigProblem[],
): ResolvedDeviceConfig | undefined {
  const spec = findModel(device.kind, device.model, joinPath(path, "model"), models, problems);
  if (!spec) return undefined;
  const transport = resolveTransport(device.transport, spec, joinPath(path, "transport"), problems);
  const optionsPath = joinPath(path, "options");
  const optionCheck = checkValue(spec.options, device.options, optionsPath);
  problems.push(...optionCheck.problems);
  if (optionCheck.problems.length === 0 && spec.checkOptions) {
    const options = optionCheck.value as Record<string, unknown>;
    for (const p of spec.checkOptions(options)) {
      problems.push({ path: p.path === "" ? optionsPath : `${optionsPath}.${p.path}`, message: p.message });
    }
  }
  if (!transport || problems.length > 0) return undefined;
  return {
    ...device,
    name: device.name ?? device.id,
    transport,
    options: optionCheck.value as Record<string, unknown>,
  };
}

/** The model's row, or a problem saying which models this kind has (with a "did you mean"). */
function findModel<S extends { kind: string; model: string }>(
  kind: string,
  model: string,
  path: string,
  specs: readonly S[],
  problems: ConfigProblem[],
): S | undefined {
  const spec = specs.find((s) => s.kind === kind && s.model === model);
  if (spec) return spec;
  const ofKind = specs.filter((s) => s.kind === kind).map((s) => s.model);
  const elsewhere = specs.find((s) => s.model === model);
  const suggestion = closest(model, ofKind);
  let message = `unknown ${kind} model "${model}"`;
  if (elsewhere) message += ` ("${model}" is a ${elsewhere.kind} model)`;
  else if (suggestion) message += `; did you mean "${suggestion}"?`;
  message += ofKind.length > 0 ? `; ${kind} models: ${ofKind.join(", ")}` : `; no ${kind} models are available`;
  problems.push({ path, message });
  return undefined;
}

function resolveTransport(
  transport: TransportConfig,
  spec: DeviceModelSpec,
  path: string,
  problems: ConfigProblem[],
): ResolvedTransport | undefined {
  if (!spec.transports.includes(transport.type)) {
    problems.push({
      path: joinPath(path, "type"),
      message: `${spec.kind} model "${spec.model}" cannot use a ${transport.type} transport; use ${spec.transports.join(" or ")}`,
    });
    return undefined;
  }
  switch (transport.type) {
    case "serial": {
      if (!locatable(transport, path, problems)) return undefined;
      const serial = spec.serial;
      const baudRate = transport.baudRate ?? serial?.baudRate;
      if (baudRate === undefined) {
        problems.push({ path: joinPath(path, "baudRate"), message: "missing; this model has no default speed" });
        return undefined;
      }
      return {
        ...transport,
        baudRate,
        dataBits: transport.dataBits ?? serial?.dataBits ?? 8,
        parity: transport.parity ?? serial?.parity ?? "none",
        stopBits: transport.stopBits ?? serial?.stopBits ?? 1,
        flowControl: transport.flowControl ?? "none",
      };
    }
    case "tcp": {
      const port = transport.port ?? spec.tcpPort;
      if (port === undefined) {
        problems.push({ path: joinPath(path, "port"), message: "missing; expected a whole number from 1 to 65535" });
        return undefined;
      }
      return { ...transport, port };
    }
    case "hid":
      return locatable(transport, path, problems) ? transport : undefined;
    case "usb-printer":
      return transport;
  }
}

/** A serial or HID device needs a path or a USB match to be found. */
function locatable(transport: { path?: string; match?: unknown }, path: string, problems: ConfigProblem[]): boolean {
  if (transport.path !== undefined || transport.match !== undefined) return true;
  problems.push({
    path,
    message: 'give "match" (USB vendorId/productId, optionally serialNumber) or "path" to find the device',
  });
  return false;
}

function resolveSimulator(
  sim: SimulatorConfig,
  path: string,
  specs: readonly SimulatorModelSpec[],
  problems: ConfigProblem[],
): SimulatorConfig {
  const spec = findModel(sim.kind, sim.model, joinPath(path, "model"), specs, problems);
  if (!spec) return sim;
  const optionCheck = checkValue(spec.options, sim.options, joinPath(path, "options"));
  problems.push(...optionCheck.problems);
  return { ...sim, options: optionCheck.value as Record<string, unknown> };
}

function duplicateIds(entries: readonly { id: string }[], section: string, problems: ConfigProblem[]): void {
  const first = new Map<string, number>();
  entries.forEach((entry, i) => {
    const earlier = first.get(entry.id);
    if (earlier === undefined) first.set(entry.id, i);
    else {
      problems.push({
        path: joinPath(joinPath(section, i), "id"),
        message: `"${entry.id}" is already the id of ${section}[${earlier}]; ids must be unique`,
      });
    }
  });
}

/** "line 3, column 14: Unexpected token…" for a JSON.parse error. */
function jsonSyntaxWhere(text: string, err: unknown): string {
  const reason = describeError(err)
    .replace(/ in JSON at position \d+.*$/s, "")
    .replace(/\s+/g, " ");
  let offset: number | undefined;
  try {
    offset = firstJsonError(text);
  } catch {
    // Nested too deep for the walk: the reason alone will do.
  }
  if (offset === undefined) return reason;
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return `line ${line}, column ${column}: ${reason}`;
}

/**
 * Where JSON text first goes wrong. V8's messages carry a position for some errors only
 * ("Unexpected token ']', ..." has none), so this walks the grammar itself. Undefined when the text is valid.
 */
export function firstJsonError(text: string): number | undefined {
  let i = 0;
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i] ?? "")) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail();
      if (text[i] === "\\") {
        i++;
        if (text[i] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? "x")) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const number = () => {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (!match) fail();
    i += match?.[0].length ?? 0;
  };
  const value = (): void => {
    space();
    const c = text[i] ?? "";
    if (c === "{") container("}", true);
    else if (c === "[") container("]", false);
    else if (c === '"') string();
    else if (c === "t") literal("true");
    else if (c === "f") literal("false");
    else if (c === "n") literal("null");
    else if (c === "-" || (c >= "0" && c <= "9")) number();
    else fail();
  };
  const container = (close: string, keyed: boolean) => {
    i++;
    space();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      if (keyed) {
        space();
        if (text[i] !== '"') fail();
        string();
        space();
        if (text[i] !== ":") fail();
        i++;
      }
      value();
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      if (text[i] !== ",") fail();
      i++;
    }
  };
  try {
    value();
    space();
    if (i < text.length) fail();
  } catch (at) {
    if (typeof at === "number") return at;
    throw at;
  }
  return undefined;
}
