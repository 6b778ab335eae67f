/**
 * A ReconnectingTransport that also passes HID feature reports to whichever HID transport is current,
 * so a USB relay board (which is driven by feature reports only) can be kept connected like any other
 * device. The plain ReconnectingTransport forwards bytes only.
 */

import { transportError } from "../../transports/errors.ts";
import { type ReconnectingOptions, ReconnectingTransport } from "../../transports/reconnecting.ts";
import { type FeatureReports, type HidTransport, hasFeatureReports } from "../../transports/transport.ts";

export class ReconnectingHidTransport extends ReconnectingTransport implements FeatureReports {
  #current: HidTransport | undefined;

  constructor(options: ReconnectingOptions) {
    const remember: { set: (transport: HidTransport) => void } = { set: () => undefined };
    super({
      ...options,
      factory: async () => {
        const transport = await options.factory();
        if (!hasFeatureReports(transport)) {
          throw transportError(
            "TRANSPORT_OPTIONS_INVALID",
            `${transport.description}: not a HID transport (no feature reports); a USB relay board needs one.`,
            { device: transport.description },
          );
        }
        remember.set(transport);
        return transport;
      },
    });
    remember.set = (transport) => {
      this.#current = transport;
    };
  }

  async sendFeatureReport(bytes: Uint8Array): Promise<number> {
    return this.#hid("send a feature report").sendFeatureReport(bytes);
  }

  async getFeatureReport(reportId: number, length: number): Promise<Uint8Array> {
    return this.#hid("read a feature report").getFeatureReport(reportId, length);
  }

  #hid(action: string): HidTransport {
    const current = this.#current;
    if (!current || !this.isOpen) {
      throw transportError(
        "DEVICE_DISCONNECTED",
        `${this.description}: cannot ${action}, the device is disconnected; the bridge keeps trying to reconnect.`,
        { device: this.description },
      );
    }
    return current;
  }
}

export function createReconnectingHidTransport(options: ReconnectingOptions): ReconnectingHidTransport {
  return new ReconnectingHidTransport(options);
}
