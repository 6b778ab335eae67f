import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  disconnectedError,
  errnoOf,
  openError,
  TransportError,
  writeError,
} from "../../../bridge/transports/errors.ts";
import { CodedError } from "../../../protocols/errors.ts";

const sysError = (code: string, message = `${code}: something`) => Object.assign(new Error(message), { code });

describe("errnoOf", () => {
  it("reads Node's code property", () => {
    expect(errnoOf(sysError("ECONNREFUSED"))).toBe("ECONNREFUSED");
  });

  it("recognises the strerror text serialport puts in its messages", () => {
    // Message formats from @serialport/bindings-cpp src/serialport_unix.cpp.
    expect(errnoOf(new Error("Error: No such file or directory, cannot open /dev/ttyUSB0"))).toBe("ENOENT");
    expect(errnoOf(new Error("Error: Permission denied, cannot open /dev/ttyUSB0"))).toBe("EACCES");
    expect(errnoOf(new Error("Error Resource temporarily unavailable Cannot lock port"))).toBe("EAGAIN");
    expect(errnoOf(new Error("Error: Inappropriate ioctl for device setting custom baud rate of 9600"))).toBe("ENOTTY");
  });

  it("returns undefined for anything else, never throws", () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const errno = errnoOf(value);
        expect(errno === undefined || /^E[A-Z0-9]+$/.test(errno)).toBe(true);
      }),
    );
  });
});

describe("openError", () => {
  const device = "serial /dev/ttyUSB0 @19200 8N1";

  it.each([
    ["ENOENT", "DEVICE_NOT_FOUND", /plugged in/],
    ["ENODEV", "DEVICE_NOT_FOUND", /plugged in/],
    ["EACCES", "DEVICE_PERMISSION", /'dialout' group/],
    ["EPERM", "DEVICE_PERMISSION", /usermod -aG dialout/],
    ["EBUSY", "DEVICE_BUSY", /another program/],
    ["EINVAL", "DEVICE_OPEN_FAILED", /could not open/],
  ])("maps %s to %s with a message saying what to do", (errno, code, hint) => {
    const err = openError(sysError(errno), { device, permissionGroup: "dialout" });
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toBeInstanceOf(CodedError);
    expect(err.code).toBe(code);
    expect(err.message).toContain(device);
    expect(err.message).toMatch(hint);
    expect(err.details).toMatchObject({ device, errno });
  });

  it("suggests a udev rule when no group is known", () => {
    expect(openError(sysError("EACCES"), { device: "hid /dev/hidraw0" }).message).toMatch(/udev rule/);
  });

  it("keeps a TransportError as it is", () => {
    const original = disconnectedError(device, "gone");
    expect(openError(original, { device })).toBe(original);
  });

  it("turns any thrown value into a TransportError", () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(openError(value, { device })).toBeInstanceOf(TransportError);
        expect(writeError(device, value)).toBeInstanceOf(TransportError);
      }),
    );
  });
});

describe("writeError", () => {
  it("reports a write to a vanished device as a disconnect", () => {
    expect(writeError("tcp 10.0.0.5:9100", sysError("EPIPE")).code).toBe("DEVICE_DISCONNECTED");
    expect(writeError("usb printer /dev/usb/lp0", sysError("ENODEV")).code).toBe("DEVICE_DISCONNECTED");
    expect(writeError("x", sysError("EINVAL")).code).toBe("DEVICE_WRITE_FAILED");
  });

  it("serialises to code, message and details", () => {
    const json = JSON.parse(JSON.stringify(writeError("x", sysError("EINVAL"))));
    expect(json).toMatchObject({ code: "DEVICE_WRITE_FAILED", details: { device: "x", errno: "EINVAL" } });
  });
});
