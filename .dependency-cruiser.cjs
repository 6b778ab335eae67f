/**
 * Who may import whom: the table in the README's "Architecture" section, as rules `npm run deps`
 * checks. A rule name says what the rule allows or forbids, so a failing import names the rule it breaks.
 * A rule that blocks good code is changed in the README and here together, with the reason in the commit.
 *
 * Type-only imports count too (`tsPreCompilationDeps`): a layer that needs another's types depends on it.
 * Rule syntax: https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md
 */

/** The composition roots: they build the running program and may import anything (dev commands lazily). */
const ROOTS = "^(bridge/(cli|main)\\.ts$|bridge/commands/|simulators/stack\\.ts$|bin/)";

/** One rule per layer: what it must not import. `allowed` in the message is what it may. */
const layer = (name, from, notTo, allowed) => ({
  name,
  severity: "error",
  comment: `${from} may import only ${allowed}`,
  from: { path: from },
  to: { path: notTo },
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "modules that import each other cannot be understood, tested or loaded one without the other",
      from: {},
      to: { circular: true },
    },
    layer(
      "protocols-are-pure",
      "^protocols/",
      "^(bridge|simulators|kiosk-ui|bench|test|bin)/",
      "other protocols/ modules and npm packages",
    ),
    {
      name: "protocols-do-no-io",
      severity: "error",
      comment: "protocols/ are codecs: no files, sockets, processes or timers (node:buffer is data)",
      from: { path: "^protocols/" },
      to: { dependencyTypes: ["core"], pathNot: "^(node:)?buffer$" },
    },
    layer(
      "transports-only-protocols",
      "^bridge/transports/",
      "^(bridge/(?!transports/)|simulators/|kiosk-ui/)",
      "protocols/",
    ),
    layer("log-only-protocols", "^bridge/log/", "^(bridge/(?!log/)|simulators/|kiosk-ui/)", "protocols/"),
    layer(
      "config-only-protocols",
      "^bridge/config/",
      "^(bridge/(?!config/)|simulators/|kiosk-ui/)",
      "protocols/ (drivers and simulators hand it their option schemas)",
    ),
    layer(
      "devices-below-sip2-kiosk-server",
      "^bridge/devices/",
      "^(bridge/(?!(devices|transports|config|log)/)|simulators/|kiosk-ui/)",
      "bridge/transports, bridge/config, bridge/log and protocols/",
    ),
    layer(
      "sip2-client-beside-devices",
      "^bridge/sip2/",
      "^(bridge/(?!(sip2|transports|config|log)/)|simulators/|kiosk-ui/)",
      "bridge/transports, bridge/config, bridge/log and protocols/",
    ),
    layer(
      "kiosk-above-sip2-and-devices",
      "^bridge/kiosk/",
      "^(bridge/(?!(kiosk|sip2|devices|config|log)/|transports/clock\\.ts$)|simulators/|kiosk-ui/)",
      "bridge/sip2, bridge/devices, bridge/config, bridge/log, the shared Clock (bridge/transports/clock.ts) and protocols/",
    ),
    layer(
      "staff-above-kiosk",
      "^bridge/staff/",
      "^(bridge/(?!(staff|kiosk|devices|config|log)/|transports/clock\\.ts$)|simulators/|kiosk-ui/)",
      "bridge/kiosk, bridge/devices, bridge/config, bridge/log, the shared Clock and protocols/ (it renders a test print with protocols/escpos)",
    ),
    layer(
      "server-above-kiosk",
      "^bridge/server/",
      "^(bridge/(?!(server|staff|kiosk|devices|config|log)/|transports/clock\\.ts$)|simulators/|kiosk-ui/|protocols/(?!kiosk-api/|staff-api/|errors\\.ts$))",
      "bridge/staff, bridge/kiosk, bridge/devices, bridge/config, bridge/log, the shared Clock, protocols/kiosk-api, protocols/staff-api and protocols/errors.ts",
    ),
    {
      name: "kiosk-ui-only-kiosk-api",
      severity: "error",
      comment:
        "kiosk-ui/src/ is browser code: it may import only protocols/kiosk-api and protocols/staff-api (and npm packages), no node: modules (kiosk-ui/build.ts and vite.config.ts are the node-side build)",
      from: { path: "^kiosk-ui/src/" },
      // node_modules may sit in another checkout (a worktree's symlink resolves to ../main/node_modules).
      to: { pathNot: "^(kiosk-ui/|protocols/(kiosk-api|staff-api)/)|(^|/)node_modules/" },
    },
    {
      name: "simulators-only-wire-and-config",
      severity: "error",
      comment:
        "simulators/ may import only protocols/, the wire (bridge/transports), bridge/log and bridge/config (the schema of their options): a simulator that shared a driver's code would pass that driver's bugs",
      from: { path: "^simulators/", pathNot: ROOTS },
      to: { path: "^(bridge/(?!(transports|log|config)/)|kiosk-ui/|bench/|test/)" },
    },
    {
      name: "only-roots-import-roots",
      severity: "error",
      comment: `the composition roots (${ROOTS}) are imported by nothing but other roots, tests and benches`,
      from: { pathNot: `${ROOTS}|^(test|bench)/` },
      to: { path: ROOTS },
    },
    {
      name: "bridge-never-loads-simulators",
      severity: "error",
      comment:
        "the kiosk binary must not load simulators: only the dev commands in bridge/commands/ may, with import()",
      from: { path: "^bridge/", pathNot: "^bridge/commands/" },
      to: { path: "^simulators/" },
    },
    {
      name: "dev-commands-import-simulators-lazily",
      severity: "error",
      comment:
        "bridge/commands/ load simulators with `await import()` inside the dev command, so `selfcheck` on a real kiosk never loads them (type-only imports are erased and allowed)",
      from: { path: "^bridge/commands/" },
      to: { path: "^simulators/", dependencyTypesNot: ["dynamic-import", "type-only"] },
    },
    {
      name: "bench-not-cli",
      severity: "error",
      comment: "bench/ may import anything but the CLI: benches measure the modules, not the command line",
      from: { path: "^bench/" },
      to: { path: "^bridge/(cli\\.ts$|commands/)" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|\\.git|bench/results)/|^kiosk-ui/dist" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
