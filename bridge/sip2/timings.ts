/**
 * How long the ILS takes to answer, per SIP2 command, for /metrics. Each connection has at most one
 * request in flight (SIP2 is strictly request/response), so an answer belongs to the last request sent on
 * its connection; a resend (96) restarts the clock, and a request that gets no answer is not timed.
 */
import { MESSAGES } from "../../protocols/sip2/catalog.ts";
import type { Sip2Pool } from "./pool.ts";

/** The catalog's name for a request code ("11" → "checkout"); the code itself for one it does not know. */
const NAMES: ReadonlyMap<string, string> = new Map(Object.entries(MESSAGES).map(([name, spec]) => [spec.code, name]));

export type RequestTimeListener = (command: string, seconds: number) => void;

/** Calls `listener` with each answered request's command and round-trip time; returns how to stop. */
export function onRequestTimes(pool: Sip2Pool, listener: RequestTimeListener): () => void {
  const pending = new Map<number, { command: string; at: number }>();
  return onExchanges(pool, (direction, command, at, connection) => {
    if (direction === "sent") {
      // 97 asks for the last answer again: still the same request's wait.
      if (command !== "requestAcsResend") pending.set(connection, { command, at });
      return;
    }
    const request = pending.get(connection);
    if (!request || command === "requestScResend") return;
    listener(request.command, (at - request.at) / 1000);
    pending.delete(connection);
  });
}

/** `connection`: the connection's place in the pool. */
export type ExchangeListener = (
  direction: "sent" | "received",
  command: string,
  at: number,
  connection: number,
) => void;

/**
 * Calls `listener` as each SIP2 message crosses a connection's socket (just before the write, just after the
 * framer), with the catalog's name for its code ("checkout"); returns how to stop.
 */
export function onExchanges(pool: Sip2Pool, listener: ExchangeListener): () => void {
  const stops = pool.connections.map((connection, place) => {
    const onExchange = (exchange: { direction: "sent" | "received"; bytes: Buffer; at: number }) => {
      const code = exchange.bytes.toString("latin1", 0, 2);
      listener(exchange.direction, NAMES.get(code) ?? code, exchange.at, place);
    };
    connection.on("exchange", onExchange);
    return () => connection.off("exchange", onExchange);
  });
  return () => {
    for (const stop of stops) stop();
  };
}
