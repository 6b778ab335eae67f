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
import { formatAmount, type InMemoryIls, type PatronStatusResult } from "./ils.ts";

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
/** A 64's item limits: four digits. */
const limit = (n: number) => String(Math.min(n, 9999)).padStart(4, "0");
const sip2DateOf = (date: Date | undefined) => (date ? formatSip2Date(date) : undefined);

/**
 * A response whose optional fields may hold undefined. The encoder leaves an undefined field out (so does
 * JSON in the debug log), so each response is built as one object literal naming every field it can carry:
 * dropping the undefined ones first (spreads, a loop over keys) took more CPU than the ILS's work itself
 * (issue 7, profiled under bench/acs.bench.ts).
 */
type Draft<T> = { [K in keyof T]: T[K] | undefined };
const answer = <T extends Sip2Message["type"]>(draft: Draft<MessageOf<T>>) => draft as MessageOf<T>;

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
    return answer<"acsStatus">({
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
      terminalLocation: session.account?.branch,
      screenMessage: online ? undefined : ["The library system is offline."],
    });
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
        const owes = r.feeTotal > 0;
        return answer<"patronStatusResponse" | "patronEnableResponse">({
          type: request.type === "patronEnable" ? "patronEnableResponse" : "patronStatusResponse",
          patronStatus: r.status,
          language: r.language,
          transactionDate,
          institutionId,
          patronIdentifier: request.patronIdentifier,
          personalName: r.name,
          validPatron: YN(r.validPatron)!,
          validPatronPassword: YN(r.validPassword),
          screenMessage: refused ?? screen(r.screenMessages),
          // Fee fields only in a 24: the encoder of a 26 has no such fields and skips them.
          currencyType: owes ? r.currency : undefined,
          feeAmount: owes ? formatAmount(r.feeTotal) : undefined,
        });
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
                start: Number.isNaN(start) ? undefined : start,
                end: Number.isNaN(end) ? undefined : end,
              }
            : undefined,
        );
        // The summary list names are the names of the 64 response fields that carry them (AS … CD).
        const listed = r.list?.kind;
        const entries = r.list?.entries.map((e) =>
          listed === "fineItems" && e.amount !== undefined
            ? `${e.id} ${formatAmount(e.amount)} ${r.currency} ${e.title}`
            : e.id,
        );
        const limits = r.found ? r.limits : undefined;
        return answer<"patronInformationResponse">({
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
          holdItemsLimit: limits && limit(limits.hold),
          overdueItemsLimit: limits && limit(limits.overdue),
          chargedItemsLimit: limits && limit(limits.charged),
          feeLimit: limits && formatAmount(limits.fee),
          validPatron: YN(r.validPatron)!,
          validPatronPassword: YN(r.validPassword),
          currencyType: r.currency,
          feeAmount: formatAmount(r.feeTotal),
          holdItems: listed === "holdItems" ? entries : undefined,
          overdueItems: listed === "overdueItems" ? entries : undefined,
          chargedItems: listed === "chargedItems" ? entries : undefined,
          fineItems: listed === "fineItems" ? entries : undefined,
          recallItems: listed === "recallItems" ? entries : undefined,
          unavailableHoldItems: listed === "unavailableHoldItems" ? entries : undefined,
          homeAddress: r.contact.address,
          emailAddress: r.contact.email,
          homePhoneNumber: r.contact.phone,
          screenMessage: refused ?? screen(r.screenMessages),
        });
      }

      case "checkout":
      case "renew": {
        const type = request.type === "checkout" ? "checkoutResponse" : "renewResponse";
        if (refused || !this.allowed(request.type, session)) {
          return answer<typeof type>({
            type,
            ok: false,
            renewalOk: false,
            magneticMedia: null,
            desensitize: false,
            transactionDate,
            institutionId,
            patronIdentifier: request.patronIdentifier,
            itemIdentifier: request.itemIdentifier ?? "",
            titleIdentifier: "",
            dueDate: "",
            screenMessage: refused ?? ["This terminal may not do that."],
          });
        }
        const patronPassword = request.patronPassword || undefined;
        const feeAcknowledged = request.feeAcknowledged === "Y";
        const nbDueDate = dateOrUndefined(request.nbDueDate);
        const r =
          request.type === "checkout"
            ? this.ils.checkout({
                patronId: request.patronIdentifier,
                patronPassword,
                feeAcknowledged,
                noBlock: request.noBlock,
                nbDueDate,
                itemId: request.itemIdentifier,
                transactionDate: dateOrUndefined(request.transactionDate) ?? this.now(),
                branch,
                renewalAllowed: request.scRenewalPolicy,
              })
            : this.ils.renew({
                patronId: request.patronIdentifier,
                patronPassword,
                feeAcknowledged,
                noBlock: request.noBlock,
                nbDueDate,
                itemId: request.itemIdentifier || undefined,
                titleId: request.titleIdentifier || undefined,
                transactionDate: dateOrUndefined(request.transactionDate),
              });
        return answer<typeof type>({
          type,
          ok: r.ok,
          renewalOk: r.ok && r.renewal, // "renewal ok" means it was already out to this patron and was renewed
          magneticMedia: r.magneticMedia ?? null,
          desensitize: r.desensitize,
          transactionDate,
          institutionId,
          patronIdentifier: request.patronIdentifier,
          itemIdentifier: r.itemId,
          titleIdentifier: r.title ?? "",
          dueDate: r.dueDate ? formatSip2Date(r.dueDate) : "",
          feeType: r.fee && FEE_TYPE[r.fee.type],
          feeAmount: r.fee && formatAmount(r.fee.amount),
          currencyType: r.fee?.currency,
          mediaType: r.mediaType && MEDIA_TYPE[r.mediaType],
          transactionId: r.transactionId || undefined,
          screenMessage: screen(r.screenMessages),
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
        return answer<"checkinResponse">({
          type: "checkinResponse",
          ok: r.ok,
          resensitize: r.resensitize,
          magneticMedia: r.magneticMedia ?? null,
          alert: r.alert,
          transactionDate,
          institutionId,
          itemIdentifier: r.itemId,
          permanentLocation: r.permanentLocation ?? "",
          titleIdentifier: r.title,
          sortBin: r.sortBin,
          patronIdentifier: r.patronId,
          mediaType: r.mediaType && MEDIA_TYPE[r.mediaType],
          screenMessage: screen(r.screenMessages),
          callNumber: r.callNumber,
          destinationLocation: r.destination,
          alertType: r.alertType && ALERT_TYPE[r.alertType],
          holdPatronId: r.holdPatronId,
          holdPatronName: r.holdPatronName,
        });
      }

      case "renewAll": {
        const r = refused
          ? undefined
          : this.ils.renewAll(
              request.patronIdentifier,
              request.patronPassword || undefined,
              request.feeAcknowledged === "Y",
            );
        return answer<"renewAllResponse">({
          type: "renewAllResponse",
          ok: r?.ok ?? false,
          renewedCount: r?.renewed.length ?? 0,
          unrenewedCount: r?.unrenewed.length ?? 0,
          transactionDate,
          institutionId,
          renewedItems: r && r.renewed.length > 0 ? r.renewed : undefined,
          unrenewedItems: r && r.unrenewed.length > 0 ? r.unrenewed : undefined,
          screenMessage: refused ?? screen(r?.screenMessages ?? []),
        });
      }

      case "endPatronSession": {
        const r = this.ils.endSession(request.patronIdentifier);
        return answer<"endSessionResponse">({
          type: "endSessionResponse",
          endSession: r.ended,
          transactionDate,
          institutionId,
          patronIdentifier: request.patronIdentifier,
          screenMessage: screen(r.screenMessages),
        });
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
        return answer<"feePaidResponse">({
          type: "feePaidResponse",
          paymentAccepted: r?.accepted ?? false,
          transactionDate,
          institutionId,
          patronIdentifier: request.patronIdentifier,
          transactionId: r?.transactionId,
          screenMessage: refused ?? screen(r?.screenMessages ?? []),
        });
      }

      case "itemInformation": {
        const r = this.ils.itemInformation(request.itemIdentifier);
        return answer<"itemInformationResponse">({
          type: "itemInformationResponse",
          circulationStatus: CIRCULATION_STATUS[r.circulationStatus],
          securityMarker: SECURITY_MARKER[r.securityMarker],
          feeType: FEE_TYPE[r.feeType],
          transactionDate,
          itemIdentifier: r.itemId,
          titleIdentifier: r.title ?? "",
          holdQueueLength: r.found ? String(r.holdQueueLength) : undefined,
          dueDate: sip2DateOf(r.dueDate),
          recallDate: sip2DateOf(r.recallDate),
          holdPickupDate: sip2DateOf(r.holdPickupDate),
          owner: r.owner,
          currencyType: r.fee?.currency,
          feeAmount: r.fee && formatAmount(r.fee.amount),
          mediaType: r.mediaType && MEDIA_TYPE[r.mediaType],
          permanentLocation: r.permanentLocation,
          currentLocation: r.currentLocation,
          itemProperties: r.properties,
          screenMessage: screen(r.screenMessages),
          callNumber: r.callNumber,
          destinationLocation: r.destination,
        });
      }

      case "itemStatusUpdate": {
        const r = this.ils.itemStatusUpdate(request.itemIdentifier, request.itemProperties);
        return answer<"itemStatusUpdateResponse">({
          type: "itemStatusUpdateResponse",
          itemPropertiesOk: r.ok,
          transactionDate,
          itemIdentifier: r.itemId,
          titleIdentifier: r.title,
          itemProperties: r.properties,
          screenMessage: screen(r.screenMessages),
        });
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
        return answer<"holdResponse">({
          type: "holdResponse",
          ok: r.ok,
          available: r.available,
          transactionDate,
          institutionId,
          patronIdentifier: request.patronIdentifier,
          expirationDate: sip2DateOf(r.expirationDate),
          queuePosition: r.queuePosition === undefined ? undefined : String(r.queuePosition),
          pickupLocation: r.pickupLocation,
          itemIdentifier: r.itemId,
          titleIdentifier: r.title,
          screenMessage: screen(r.screenMessages),
        });
      }

      default:
        throw new Sip2Error("SIP2_UNKNOWN_COMMAND", `an ACS does not answer ${request.type} messages`, 0, {
          type: request.type,
        });
    }
  }

  private allowed(what: "checkout" | "checkin" | "renew", session: AcsSession): boolean {
    const flags = session.account?.flags;
    if (!flags) return true;
    return what === "checkout" ? flags.checkoutOk : what === "checkin" ? flags.checkinOk : flags.renewalOk;
  }
}
