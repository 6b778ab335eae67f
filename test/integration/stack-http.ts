/**
 * HTTP helpers for integration tests on the simulated stack: the simulators' control API, and the staff API
 * under the dev staff login of `npm start`.
 */
import { expect } from "vitest";
import { DEV_STAFF, type Stack } from "../../simulators/stack.ts";

/** POSTs a control action and returns its `result`; anything but 200 fails the test. */
export async function control(stack: Stack, path: string, body: unknown = {}): Promise<unknown> {
  const response = await fetch(`${stack.control.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status, path).toBe(200);
  return ((await response.json()) as { result?: unknown }).result;
}

export type StaffCall = (method: string, path: string, body?: unknown) => Promise<Response>;

/** Logs in as the dev staff user and returns a caller that sends its session cookie. */
export async function staffLogin(stack: Stack): Promise<StaffCall> {
  let cookie = "";
  const call: StaffCall = (method, path, body) =>
    fetch(`${stack.bridge.server?.url}${path}`, {
      method,
      headers: { cookie, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const login = await call("POST", "/api/staff/login", { user: DEV_STAFF.user, password: DEV_STAFF.password });
  expect(login.status).toBe(200);
  cookie = login.headers.get("set-cookie")?.split(";")[0] ?? "";
  return call;
}
