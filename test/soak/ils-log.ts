/**
 * The soak's ILS: the ACS simulator's in-memory ILS, with a change log of every circulation request it
 * carried out. The soak compares this log with what the kiosk told its patrons.
 */
import {
  type CheckinRequest,
  type CheckinResult,
  type CheckoutRequest,
  type CirculationResult,
  InMemoryIls,
  type RenewRequest,
} from "../../simulators/acs/ils.ts";

export interface IlsChange {
  /** `checkout` that found the item already on loan to the patron is logged as the renewal it was. */
  kind: "checkout" | "checkin" | "renew";
  itemId: string;
  /** The borrower (checkout, renew) or the patron whose loan a checkin ended. */
  patronId?: string;
  /** A replayed offline transaction (no block = Y). */
  noBlock: boolean;
}

export class LoggingIls extends InMemoryIls {
  /** Requests the ILS carried out, in order (refusals change nothing and are not logged). */
  readonly changes: IlsChange[] = [];
  /** Every circulation request, carried out or not. */
  requests = 0;
  /** Called after each circulation request with its item (the soak kills the bridge, or lifts a tag, from here). */
  onRequest: ((itemId: string) => void) | undefined;

  override checkout(req: CheckoutRequest): CirculationResult {
    const result = super.checkout(req);
    return this.#logged(result.renewal ? "renew" : "checkout", req.itemId, req.patronId, req, result);
  }

  override renew(req: RenewRequest): CirculationResult {
    const result = super.renew(req);
    return this.#logged("renew", result.itemId, req.patronId, req, result);
  }

  override checkin(req: CheckinRequest): CheckinResult {
    const result = super.checkin(req);
    return this.#logged("checkin", req.itemId, result.patronId, req, result);
  }

  #logged<T extends { ok: boolean }>(
    kind: IlsChange["kind"],
    itemId: string,
    patronId: string | undefined,
    req: { noBlock?: boolean | undefined },
    result: T,
  ): T {
    if (result.ok) {
      this.changes.push({
        kind,
        itemId,
        ...(patronId !== undefined ? { patronId } : {}),
        noBlock: req.noBlock === true,
      });
    }
    this.requests++;
    this.onRequest?.(itemId);
    return result;
  }
}
