/** What a screen gets to render: the bridge's state, and the few transient things the UI holds itself. */
import type { TemplateResult } from "lit";
import type { CommandType, KioskState, Phase } from "../../../protocols/kiosk-api/schema.ts";
import type { CommandErrorCode, CommandPayload, Hello } from "../data/kiosk-client.ts";

/** A typed entry open on the screen: a card number on the idle screen, an item barcode during an activity. */
export type Entry = "card" | "item";

export interface View {
  state: KioskState;
  hello: Hello | undefined;
  /** The bridge's clock now (epoch ms), for countdowns. */
  now: number;
  /** Sends a command; a refusal shows as `error` and sounds, so screens need not handle it. */
  send<T extends CommandType>(type: T, payload: CommandPayload<T>): void;
  /** The last refused command's code, until the next command or screen. */
  error: CommandErrorCode | undefined;
  entry: Entry | undefined;
  setEntry(entry: Entry | undefined): void;
  /** Loans ticked on the renew screen, by item id. */
  renewSelection: ReadonlySet<string>;
  toggleRenew(itemId: string): void;
}

export type ScreenRenderer = (view: View) => TemplateResult;
export type Screens = Record<Phase, ScreenRenderer>;
