import {
  ALERT_TYPE,
  CIRCULATION_STATUS,
  FEE_TYPE,
  formatSip2Date,
  HOLD_MODE,
  HOLD_TYPE,
  type HoldMode,
  type HoldType,
  MEDIA_TYPE,
  type MessageOf,
  nameOfCode,
  PAYMENT_TYPE,
  type PaymentType,
  parseSip2Date,
  SECURITY_MARKER,
  Sip2Error,
  type Sip2Message,
  SUPPORTED_MESSAGES,
  type SupportedMessage,
} from "../../protocols/sip2/index.ts";
import type { FixtureAccount } from "./fixture.ts";
import { type FeeInfo, formatAmount, type InMemoryIls, type PatronStatusResult } from "./ils.ts";

/** What the ACS knows about one SC connection while answering it. */
export interface AcsSession {
  account: FixtureAccount | undefined;
  /** Answer as an ACS whose database is down: 98 online = N, transactions refused. */
  offline?: boolean;
}

export interface ResponderOptions {
  ils: InMemoryIls;
  /** Message types this ACS answers; the rest are reported unsupported in BX and refused. */
  supported?: readonly SupportedMessage[];
  now?: () => Date;
  /** Seconds an SC should wait for a reply (98 timeout period). */
  timeoutSeconds?: number;
  retriesAllowed?: number;
}

const YN = (b: boolean | undefined) => (b === undefined ? undefined : b ? "Y" : "N");
const dateOrUndefined = (text: string | undefined): Date | undefined => {
  if (text === undefined || text.trim() === "") return undefined;
  try {
    return parseSip2Date(text)?.date;
  } catch {
    return undefined;
  }
};
const screen = (messages: readonly string[]) => (messages.length > 0 ? [...messages] : undefined);
const fee = (f: FeeInfo | undefined) =>
  f ? { feeType: FEE_TYPE[f.type], feeAmount: formatAmount(f.amount), currencyType: f.currency } : {};
/** Drops undefined values, so optional SIP2 fields are left out rather than sent empty. */
const optional = <T extends object>(o: T) => {
  const out: Record<string, unknown> = {};
  for (const key in o) if (o[key] !== undefined) out[key] = o[key];
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
};

/**
 * Turns SIP2 requests into calls on the in-memory ILS and its results into SIP2 responses. Pure: no I/O,
 * so the same answers are tested without sockets. Returns undefined for messages the session layer
 * handles itself (97 resend).
 */
export class AcsResponder {
  private readonly ils: InMemoryIls;
  private readonly supported: ReadonlySet<SupportedMessage>;
  private readonly now: () => Date;
  private readonly timeout: string;
  private readonly retries: string;

  constructor(options: ResponderOptions) {
    this.ils = options.ils;
    this.supported = new Set(options.supported ?? SUPPORTED_MESSAGES);
    this.now = options.now ?? (() => new Date());
    this.timeout = String(options.timeoutSeconds ?? 30).padStart(3, "0");
    this.retries = String(options.retriesAllowed ?? 3).padStart(3, "0");
  }

  get institutionId(): string {
    return this.ils.institution.id;
  }

  /** Transaction date of a response; formatted once per second, since every response carries one. */
  private stamp(): string {
    const now = this.now();
    const second = Math.floor(now.getTime() / 1000);
    if (second !== this.stampSecond) {
      this.stampSecond = second;
      this.stampText = formatSip2Date(now);
    }
    return this.stampText;
  }
  private stampSecond = Number.NaN;
  private stampText = "";

  /** The ACS status (98) for this session. */
  status(session: AcsSession): MessageOf<"acsStatus"> {
    const online = session.offline !== true;
    const flags = session.account?.flags;
    const bx = SUPPORTED_MESSAGES.map((m) => (this.supported.has(m) ? "Y" : "N")).join("");
    return {
      type: "acsStatus",
      onlineStatus: online,
      checkinOk: online && (flags?.checkinOk ?? true),
      checkoutOk: online && (flags?.checkoutOk ?? true),
      acsRenewalPolicy: flags?.renewalOk ?? true,
      statusUpdateOk: flags?.statusUpdateOk ?? false,
      offlineOk: flags?.offlineOk ?? true,
      timeoutPeriod: this.timeout,
      retriesAllowed: this.retries,
      dateTimeSync: this.stamp(),
      protocolVersion: "2.00",
      institutionId: session.account?.institution ?? this.institutionId,
      libraryName: this.ils.institution.name,
      supportedMessages: bx,
      ...(session.account ? { terminalLocation: session.account.branch } : {}),
      ...(online ? {} : { screenMessage: ["The library system is offline."] }),
    };
  }

  /** Answers one request. Throws Sip2Error for a message an ACS never receives (a response type). */
  respond(request: Sip2Message, session: AcsSession): Sip2Message | undefined {
    switch (request.type) {
      case "login": {
        session.account = this.ils.login(request.loginUserId, request.loginPassword);
        return { type: "loginResponse", ok: session.account !== undefined };
      }
      case "scStatus":
        return this.status(session);
      case "requestAcsResend":
        return undefined;
      default:
        break;
    }
    const offline = session.offline === true;
    const branch = session.account?.branch ?? this.ils.branches[0]?.id ?? "";
    const institutionId = ("institutionId" in request && request.institutionId) || this.institutionId;
    const transactionDate = this.stamp();
    const refused = offline ? ["The library system is offline. Please try again later."] : undefined;

    switch (request.type) {
      case "patronStatusRequest":
      case "patronEnable":
      case "blockPatron": {
        const r: PatronStatusResult = offline
          ? this.ils.patronStatus("")
          : request.type === "patronEnable"
            ? this.ils.patronEnable(request.patronIdentifier, request.patronPassword)
            : request.type === "blockPatron"
              ? this.ils.blockPatron(request.patronIdentifier, request.blockedCardMessage, request.cardRetained)
              : this.ils.patronStatus(request.patronIdentifier, request.patronPassword || undefined);
        const common = {
          patronStatus: r.status,
          language: r.language,
          transactionDate,
          institutionId,
          patronIdentifier: request.patronIdentifier,
          personalName: r.name,
          validPatron: YN(r.validPatron)!,
          ...optional({ validPatronPassword: YN(r.validPassword) }),
          ...(refused ? { screenMessage: refused } : optional({ screenMessage: screen(r.screenMessages) })),
        };
        if (request.type === "patronEnable") return { type: "patronEnableResponse", ...common };
        return {
          type: "patronStatusResponse",
          ...common,
          ...(r.feeTotal > 0 ? { currencyType: r.currency, feeAmount: formatAmount(r.feeTotal) } : {}),
        };
      }

      case "patronInformation": {
        const start = Number.parseInt(request.startItem ?? "", 10);
        const end = Number.parseInt(request.endItem ?? "", 10);
        const r = this.ils.patronInformation(
          offline ? "" : request.patronIdentifier,
          request.patronPassword || undefined,
          request.summary
            ? {
                kind: request.summary,
                ...(Number.isNaN(start) ? {} : { start }),
                ...(Number.isNaN(end) ? {} : { end }),
              }
            : undefined,
        );
        const list = r.list
          ? {
              // The summary list names are the names of the 64 response fields that carry them (AS … CD).
              [r.list.kind]: r.list.entries.map((e) =>
                r.list?.kind === "fineItems" && e.amount !== undefined
                  ? `${e.id} ${formatAmount(e.amount)} ${r.currency} ${e.title}`
                  : e.id,
              ),
            }
          : {};
        const limit = (n: number) => String(Math.min(n, 9999)).padStart(4, "0");
        return {
          type: "patronInformationResponse",
          patronStatus: r.status,
          language: r.language,
          transactionDate,
          holdItemsCount: r.counts.holdItems,
          overdueItemsCount: r.counts.overdueItems,
          chargedItemsCount: r.counts.chargedItems,
          fineItemsCount: r.counts.fineItems,
          recallItemsCount: r.counts.recallItems,
          unavailableHoldsCount: r.counts.unavailableHoldItems,
          institutionId,
          patronIdentifier: request.patronIdentifier,
          personalName: r.name,
          ...(r.found
            ? {
                holdItemsLimit: limit(r.limits.hold),
                overdueItemsLimit: limit(r.limits.overdue),
                chargedItemsLimit: limit(r.limits.charged),
                feeLimit: formatAmount(r.limits.fee),
              }
            : {}),
          validPatron: YN(r.validPatron)!,
          ...optional({ validPatronPassword: YN(r.validPassword) }),
          currencyType: r.currency,
          feeAmount: formatAmount(r.feeTotal),
          ...list,
          ...optional({
            homeAddress: r.contact.address,
            emailAddress: r.contact.email,
            homePhoneNumber: r.contact.phone,
          }),
          ...(refused ? { screenMessage: refused } : optional({ screenMessage: screen(r.screenMessages) })),
        } as MessageOf<"patronInformationResponse">;
      }

      case "checkout":
      case "renew": {
        const base = {
          transactionDate,
          institutionId,
          patronIdentifier: request.patronIdentifier,
          itemIdentifier: request.itemIdentifier ?? "",
        };
        if (refused || !this.allowed(request.type === "checkout" ? "checkout" : "renew", session)) {
          return this.circulation(request.type, {
            ok: false,
            renewalOk: false,
            magneticMedia: null,
            desensitize: false,
            ...base,
            titleIdentifier: "",
            dueDate: "",
            screenMessage: refused ?? ["This terminal may not do that."],
          });
        }
        const common = {
          patronId: request.patronIdentifier,
          patronPassword: request.patronPassword || undefined,
          feeAcknowledged: request.feeAcknowledged === "Y",
          noBlock: request.noBlock,
          nbDueDate: dateOrUndefined(request.nbDueDate),
        };
        const r =
          request.type === "checkout"
            ? this.ils.checkout({
                ...common,
                itemId: request.itemIdentifier,
                transactionDate: dateOrUndefined(request.transactionDate) ?? this.now(),
                branch,
                renewalAllowed: request.scRenewalPolicy,
              })
            : this.ils.renew({
                ...common,
                itemId: request.itemIdentifier || undefined,
                titleId: request.titleIdentifier || undefined,
                transactionDate: dateOrUndefined(request.transactionDate),
              });
        return this.circulation(request.type, {
          ok: r.ok,
          renewalOk: r.ok && r.renewal, // "renewal ok" means it was already out to this patron and was renewed
          magneticMedia: r.magneticMedia ?? null,
          desensitize: r.desensitize,
          ...base,
          itemIdentifier: r.itemId,
          titleIdentifier: r.title ?? "",
          dueDate: r.dueDate ? formatSip2Date(r.dueDate) : "",
          ...fee(r.fee),
          ...(r.mediaType ? { mediaType: MEDIA_TYPE[r.mediaType] } : {}),
          ...(r.transactionId ? { transactionId: r.transactionId } : {}),
          ...optional({ screenMessage: screen(r.screenMessages) }),
        });
      }

      case "checkin": {
        if (refused || !this.allowed("checkin", session)) {
          return {
            type: "checkinResponse",
            ok: false,
            resensitize: false,
            magneticMedia: null,
            alert: false,
            transactionDate,
            institutionId,
            itemIdentifier: request.itemIdentifier,
            permanentLocation: "",
            screenMessage: refused ?? ["This terminal may not do that."],
          };
        }
        const r = this.ils.checkin({
          itemId: request.itemIdentifier,
          branch: request.currentLocation || branch,
          returnDate: dateOrUndefined(request.returnDate),
          noBlock: request.noBlock,
        });
        return {
          type: "checkinResponse",
          ok: r.ok,
          resensitize: r.resensitize,
          magneticMedia: r.magneticMedia ?? null,
          alert: r.alert,
          transactionDate,
          institutionId,
          itemIdentifier: r.itemId,
          permanentLocation: r.permanentLocation ?? "",
          ...optional({
            titleIdentifier: r.title,
            sortBin: r.sortBin,
            patronIdentifier: r.patronId,
            mediaType: r.mediaType ? MEDIA_TYPE[r.mediaType] : undefined,
            screenMessage: screen(r.screenMessages),
            callNumber: r.callNumber,
            destinationLocation: r.destination,
            alertType: r.alertType ? ALERT_TYPE[r.alertType] : undefined,
            holdPatronId: r.holdPatronId,
            holdPatronName: r.holdPatronName,
          }),
        };
      }

      case "renewAll": {
        const r = refused
          ? undefined
          : this.ils.renewAll(
              request.patronIdentifier,
              request.patronPassword || undefined,
              request.feeAcknowledged === "Y",
            );
        return {
          type: "renewAllResponse",
          ok: r?.ok ?? false,
          renewedCount: r?.renewed.length ?? 0,
          unrenewedCount: r?.unrenewed.length ?? 0,
          transactionDate,
          institutionId,
          ...(r && r.renewed.length > 0 ? { renewedItems: r.renewed } : {}),
          ...(r && r.unrenewed.length > 0 ? { unrenewedItems: r.unrenewed } : {}),
          ...optional({ screenMessage: refused ?? screen(r?.screenMessages ?? []) }),
        };
      }

      case "endPatronSession": {
        const r = this.ils.endSession(request.patronIdentifier);
        return {
          type: "endSessionResponse",
          endSession: r.ended,
          transactionDate,
          institutionId,
          patronIdentifier: request.patronIdentifier,
          ...optional({ screenMessage: screen(r.screenMessages) }),
        };
      }

      case "feePaid": {
        const r = refused
          ? undefined
          : this.ils.feePaid({
              patronId: request.patronIdentifier,
              patronPassword: request.patronPassword || undefined,
              amount: request.feeAmount,
              feeType: nameOfCode(FEE_TYPE, request.feeType),
              paymentType: nameOfCode(PAYMENT_TYPE, request.paymentType) ?? ("cash" satisfies PaymentType),
              currency: request.currencyType,
              feeId: request.feeIdentifier || undefined,
              transactionId: request.transactionId || undefined,
            });
        return {
          type: "feePaidResponse",
          paymentAccepted: r?.accepted ?? false,
          transactionDate,
          institutionId,
          patronIdentifier: request.patronIdentifier,
          ...optional({ transactionId: r?.transactionId, screenMessage: refused ?? screen(r?.screenMessages ?? []) }),
        };
      }

      case "itemInformation": {
        const r = this.ils.itemInformation(request.itemIdentifier);
        return {
          type: "itemInformationResponse",
          circulationStatus: CIRCULATION_STATUS[r.circulationStatus],
          securityMarker: SECURITY_MARKER[r.securityMarker],
          feeType: FEE_TYPE[r.feeType],
          transactionDate,
          itemIdentifier: r.itemId,
          titleIdentifier: r.title ?? "",
          ...optional({
            holdQueueLength: r.found ? String(r.holdQueueLength) : undefined,
            dueDate: r.dueDate ? formatSip2Date(r.dueDate) : undefined,
            recallDate: r.recallDate ? formatSip2Date(r.recallDate) : undefined,
            holdPickupDate: r.holdPickupDate ? formatSip2Date(r.holdPickupDate) : undefined,
            owner: r.owner,
            ...(r.fee ? { currencyType: r.fee.currency, feeAmount: formatAmount(r.fee.amount) } : {}),
            mediaType: r.mediaType ? MEDIA_TYPE[r.mediaType] : undefined,
            permanentLocation: r.permanentLocation,
            currentLocation: r.currentLocation,
            itemProperties: r.properties,
            screenMessage: screen(r.screenMessages),
            callNumber: r.callNumber,
            destinationLocation: r.destination,
          }),
        };
      }

      case "itemStatusUpdate": {
        const r = this.ils.itemStatusUpdate(request.itemIdentifier, request.itemProperties);
        return {
          type: "itemStatusUpdateResponse",
          itemPropertiesOk: r.ok,
          transactionDate,
          itemIdentifier: r.itemId,
          ...optional({
            titleIdentifier: r.title,
            itemProperties: r.properties,
            screenMessage: screen(r.screenMessages),
          }),
        };
      }

      case "hold": {
        const mode = nameOfCode(HOLD_MODE, request.holdMode) as HoldMode | undefined;
        if (refused || mode === undefined) {
          return {
            type: "holdResponse",
            ok: false,
            available: false,
            transactionDate,
            institutionId,
            patronIdentifier: request.patronIdentifier,
            screenMessage: refused ?? [`Unknown hold mode "${request.holdMode}".`],
          };
        }
        const r = this.ils.hold({
          mode,
          patronId: request.patronIdentifier,
          patronPassword: request.patronPassword || undefined,
          itemId: request.itemIdentifier || undefined,
          titleId: request.titleIdentifier || undefined,
          pickupLocation: request.pickupLocation || undefined,
          expirationDate: dateOrUndefined(request.expirationDate),
          holdType: request.holdType ? (nameOfCode(HOLD_TYPE, request.holdType) as HoldType | undefined) : undefined,
          feeAcknowledged: request.feeAcknowledged === "Y",
        });
        return {
          type: "holdResponse",
          ok: r.ok,
          available: r.available,
          transactionDate,
          institutionId,
          patronIdentifier: request.patronIdentifier,
          ...optional({
            expirationDate: r.expirationDate ? formatSip2Date(r.expirationDate) : undefined,
            queuePosition: r.queuePosition === undefined ? undefined : String(r.queuePosition),
            pickupLocation: r.pickupLocation,
            itemIdentifier: r.itemId,
            titleIdentifier: r.title,
            screenMessage: screen(r.screenMessages),
          }),
        };
      }

      default:
        throw new Sip2Error("SIP2_UNKNOWN_COMMAND", `an ACS does not answer ${request.type} messages`, 0, {
          type: request.type,
        });
    }
  }

  /** Checkout (12) and renew (30) responses have the same fields. */
  private circulation(request: "checkout" | "renew", fields: Omit<MessageOf<"checkoutResponse">, "type">): Sip2Message {
    return request === "checkout" ? { type: "checkoutResponse", ...fields } : { type: "renewResponse", ...fields };
  }

  private allowed(what: "checkout" | "checkin" | "renew", session: AcsSession): boolean {
    const flags = session.account?.flags;
    if (!flags) return true;
    return what === "checkout" ? flags.checkoutOk : what === "checkin" ? flags.checkinOk : flags.renewalOk;
  }
}
