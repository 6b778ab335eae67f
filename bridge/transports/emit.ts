/**
 * Emitting to listeners we do not control. EventEmitter.emit() stops at the first listener that throws
 * and hands the exception to whoever emitted, which inside a timer or an async step is an uncaught
 * exception or an unhandled rejection: the bridge would exit because a health display had a bug.
 * Here each listener runs on its own and a throw is passed to `onThrow`.
 */
import type { EventEmitter } from "node:events";

/** Calls every listener of `event` with `args`; returns whether there was any. */
export function emitToEach(
  // biome-ignore lint/suspicious/noExplicitAny: any emitter, whatever its event map
  emitter: EventEmitter<any>,
  event: string,
  args: readonly unknown[],
  onThrow: (error: unknown) => void,
): boolean {
  // rawListeners keeps once() wrappers, so a once listener still removes itself when called.
  const listeners = emitter.rawListeners(event) as Array<(...a: unknown[]) => unknown>;
  for (const listener of listeners) {
    try {
      listener.apply(emitter, args as unknown[]);
    } catch (err) {
      try {
        onThrow(err);
      } catch {
        // Reporting failed too; there is nobody left to tell.
      }
    }
  }
  return listeners.length > 0;
}
