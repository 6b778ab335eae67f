/**
 * `selfcheck start`: the whole kiosk with simulated ends in one process. A development command: the
 * simulators are loaded with import() when it runs.
 */
import type { Command } from "commander";
import type { DeviceRegistry } from "../devices/registry.ts";
import type { RfidPad } from "../devices/rfid/pad.ts";
import type { BarcodeScanner } from "../devices/scanner/scanner.ts";
import { createLogger } from "../log/logger.ts";
import { type AcsFlags, acsOptions, acsSettings } from "./acs.ts";
import { printDevices } from "./devices.ts";
import { checkedOption, explainListenError, parse } from "./options.ts";
import { stopOnSignal } from "./signals.ts";

export function registerStartCommand(program: Command): void {
  acsOptions(program.command("start").description("start the kiosk stack with all simulators"), {
    port: 6001,
    logLevel: "warn",
  })
    .addOption(
      checkedOption(
        "--control-port <port>",
        "port of the simulators' control API (0 picks a free one)",
        parse.port,
        7300,
      ),
    )
    .addOption(
      checkedOption("--kiosk-port <port>", "port of the kiosk UI and API (0 picks a free one)", parse.port, 8080),
    )
    .action(async (flags: AcsFlags & { controlPort: number; kioskPort: number }) => {
      const acs = await acsSettings(flags);
      // The UI is part of the product: build it here when it is missing or stale, so `npm start` is all it takes.
      const { ensureUiBuilt } = await import("../../kiosk-ui/build.ts");
      const uiDir = await ensureUiBuilt((line) => console.log(line));
      const { startStack, DEV_STAFF } = await import("../../simulators/stack.ts");
      const { describeExposure } = await import("../../simulators/devices/host.ts");
      const logger = createLogger({
        name: "selfcheck",
        level: flags.logLevel,
        unredacted: flags.debugUnredacted === true,
      });
      const stack = await startStack({
        logger,
        host: flags.host,
        controlPort: flags.controlPort,
        acs,
        uiDir,
        server: { port: flags.kioskPort },
      }).catch((err: unknown) => {
        throw explainListenError(err, flags.host, {
          "--port": flags.port,
          "--control-port": flags.controlPort,
          "--kiosk-port": flags.kioskPort,
        });
      });
      stopOnSignal(() => {
        stack.registry.removeAllListeners("health");
        return stack.stop();
      });
      const { address } = stack.acs;
      await stack.registry.whenAllOk(3000);
      console.log("open-selfcheck is running with simulated hardware and ILS:");
      if (stack.bridge.server) {
        console.log(`  Kiosk                ${stack.bridge.server.url}/  (open it in a browser)`);
        console.log(`  Kiosk API            ${stack.bridge.server.url.replace(/^http/, "ws")}/api/kiosk`);
        console.log(
          `  Staff console        ${stack.bridge.server.url}/staff/  (simulated stack only: ${DEV_STAFF.user} / ${DEV_STAFF.password})`,
        );
      }
      console.log(`  SIP2 ACS simulator   ${address.tls ? "tls" : "tcp"}://${address.host}:${address.port}`);
      console.log(
        "  (SIP2 login kiosk-main / main-secret; every test patron and item: simulators/acs/fixtures/CASES.md)",
      );
      console.log(`  Simulator control    ${stack.control.url}  (GET /sims, POST /sims/:id/:action)`);
      console.log("Devices:");
      printDevices(stack.registry.list(), (id) => {
        const hosting = stack.simulators.get(id);
        return hosting && `simulator: ${describeExposure(hosting.exposure)}`;
      });
      for (const { id, reason } of stack.skipped) console.log(`  ${id.padEnd(12)} not started: ${reason}`);
      stack.registry.on("health", (id, health) => {
        const error =
          health.lastError && health.state !== "ok" ? ` (${health.lastError.code}: ${health.lastError.message})` : "";
        console.log(`device ${id}: ${health.state}${error}`);
      });
      showDeviceEvents(stack.registry);
      console.log("Try it: scan a library card, then put a book on the RFID pad:");
      console.log(
        `  curl -X POST ${stack.control.url}/sims/scanner/scan -H 'content-type: application/json' -d '{"code":"24711000000012"}'`,
      );
      console.log(
        `  curl -X POST ${stack.control.url}/sims/rfid-pad/placeTags -H 'content-type: application/json' -d '{"tags":[{"itemId":"34711000000010"}]}'`,
      );
      console.log("Press Ctrl+C to stop.");
    });
}

/**
 * Until the kiosk UI exists, `start` shows what the devices see, so a newcomer can watch the simulators
 * drive the real drivers. Patron cards are never printed, only that one was scanned.
 */
function showDeviceEvents(registry: DeviceRegistry): void {
  for (const scanner of registry.ofKind<BarcodeScanner>("scanner")) {
    scanner.on("scan", ({ code, classification }) => {
      const what = {
        patron: "a patron card",
        item: `item ${code}`,
        isbn: "an ISBN: the kiosk will ask for the library barcode instead",
        product: "a product barcode (EAN/UPC), not a library one",
        unknown: `an unknown code (${"reason" in classification ? classification.reason : "no rule matched"})`,
      }[classification.kind];
      console.log(`${scanner.id}: scanned ${what}`);
    });
  }
  for (const pad of registry.ofKind<RfidPad>("rfid")) {
    pad.on("tagsChanged", ({ added, removed, present }) => {
      console.log(`${pad.id}: ${added.length} tag(s) placed, ${removed.length} lifted, ${present.length} on the pad`);
    });
    pad.startPolling(300);
  }
}
