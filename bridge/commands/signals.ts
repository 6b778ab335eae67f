import { describeError } from "../../protocols/errors.ts";

/** Stops cleanly on Ctrl+C or SIGTERM, then exits. A second signal exits at once. */
export function stopOnSignal(stop: () => Promise<unknown>): void {
  let stopping = false;
  const onSignal = () => {
    if (stopping) process.exit(1);
    stopping = true;
    void stop()
      .catch((err: unknown) => console.error(`selfcheck: stopping: ${describeError(err)}`))
      .finally(() => process.exit(0));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}
