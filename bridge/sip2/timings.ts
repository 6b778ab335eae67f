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
  const stops = pool.connections.map((connection) => {
    let pending: { command: string; at: number } | undefined;
    const onExchange = (exchange: { direction: "sent" | "received"; bytes: Buffer; at: number }) => {
      const code = exchange.bytes.toString("latin1", 0, 2);
      if (exchange.direction === "sent") {
        // 97 asks for the last answer again: still the same request's wait.
        if (code !== "97") pending = { command: NAMES.get(code) ?? code, at: exchange.at };
        return;
      }
      if (!pending || code === "96") return;
      listener(pending.command, (exchange.at - pending.at) / 1000);
      pending = undefined;
    };
    connection.on("exchange", onExchange);
    return () => connection.off("exchange", onExchange);
  });
  return () => {
    for (const stop of stops) stop();
  };
}
