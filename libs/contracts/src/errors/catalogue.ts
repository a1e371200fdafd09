// Every stable code the connector shows: in problems (task log, document history, UI), in errors
// (logs, dead letters, run failures) and in metric labels. A code here is a promise: it keeps its
// meaning across releases, and docs/errors.md is generated from this list (npm run docs:errors).
import { SERVICES, type ServiceName } from '../envelope';

export interface ErrorEntry {
  /**
   * Whether trying the same thing again later can succeed with nothing in the document, its data or
   * the configuration changed. The connector retries these by itself (with backoff, or once a lost
   * connection is restored); the others need a fix first, then a retry of the document.
   */
  retriable: boolean;
  /** What it means and what to do, in words a finance person or an integrator can act on. */
  meaning: string;
  /** The services that raise it. */
  raisedBy: readonly ServiceName[];
}

const POLLER = ['lnb-poller'] as const;
const MAPPER = ['mapper'] as const;
const EXPORTER = ['xero-exporter'] as const;
const MONITOR = ['monitor-api'] as const;
/** Raised by the plumbing every service runs (its Kafka consumer, event store, configuration). */
const EVERY_SERVICE = SERVICES;

/** In the order the data flows: Le New Black, the mapping, Xero, the monitor, then the plumbing. */
export const ERROR_CATALOGUE = {
  // ---------------------------------------------------------------- Le New Black's answers (the poller's LNB client)
  'LNB.AUTH_REFUSED': {
    retriable: false,
    raisedBy: POLLER,
    meaning: "Le New Black refused the connector's credentials. Check the client id and secret of the LNB connection, then run again.",
  },
  'LNB.RATE_LIMITED': {
    retriable: true,
    raisedBy: POLLER,
    meaning:
      'Le New Black asked the connector to slow down. Requests wait as long as it says; a run that could not wait fails and can simply be run again later.',
  },
  'LNB.UNAVAILABLE': {
    retriable: true,
    raisedBy: POLLER,
    meaning: 'Le New Black did not answer, or answered with a server error. Nothing was lost: the request is retried, and the run can be run again later.',
  },
  'RUN.ALREADY_REQUESTED': {
    retriable: false,
    raisedBy: POLLER,
    meaning: 'A run with this id was requested already: the request is not queued twice. Nothing to do.',
  },
  'RUN.LEASE_HELD': {
    retriable: true,
    raisedBy: POLLER,
    meaning:
      'Another poller instance holds this run and its lease has not ended: this one leaves it. If that instance died, the run is taken over when its lease ends.',
  },
  'RUN.NOT_HELD': {
    retriable: false,
    raisedBy: POLLER,
    meaning:
      'This poller instance no longer holds the run (its lease ended and another took it over): it stops writing for it. The run goes on elsewhere; nothing to do.',
  },
  'RUN.FINISHED': { retriable: false, raisedBy: POLLER, meaning: 'The run has completed or failed already: nothing more is recorded for it. Nothing to do.' },
  'RUN.ALREADY_STARTED': {
    retriable: false,
    raisedBy: POLLER,
    meaning: 'The run was started already under this claim: it is not started twice. A defect if it shows up: report it.',
  },
  'RUN.NOT_STARTED': {
    retriable: false,
    raisedBy: POLLER,
    meaning: 'A page or an outcome was to be recorded for a run not started under its claim. A defect if it shows up: report it.',
  },
  'RUN.PAGE_OUT_OF_ORDER': {
    retriable: false,
    raisedBy: POLLER,
    meaning: 'A page of the listing was to be recorded at or before a page already stored: it is not recorded twice. A defect if it shows up: report it.',
  },
  'LNB.VALIDATION': {
    retriable: false,
    raisedBy: POLLER,
    meaning: "Le New Black refused a request as invalid (its fields are listed). The connector's request needs fixing: report it with the message.",
  },
  'LNB.NOT_FOUND': { retriable: false, raisedBy: POLLER, meaning: 'Le New Black has no such document, order or retailer.' },
  'LNB.MALFORMED_RESPONSE': {
    retriable: true,
    raisedBy: POLLER,
    meaning:
      'Le New Black sent an answer that could not be read (not JSON, or not the expected shape). It is retried; if it persists, report it to Le New Black.',
  },
  'LNB.REQUEST_REJECTED': {
    retriable: false,
    raisedBy: POLLER,
    meaning: 'Le New Black refused a request (an HTTP 4xx other than the ones above). Report it with the message.',
  },
  'LNB.DOCUMENT_NOT_FOUND': {
    retriable: false,
    raisedBy: POLLER,
    meaning: 'A run named a document that Le New Black does not have (a typo, or it was deleted there). The other documents of the run go on.',
  },

  // ---------------------------------------------------------------- the poller's own
  'POLLER.INTERNAL': {
    retriable: true,
    raisedBy: POLLER,
    meaning: 'A run stopped on an unexpected error. Nothing was committed past what was done; run it again, and report the message if it repeats.',
  },
  'POLLER.BUDGET_UNAVAILABLE': {
    retriable: true,
    raisedBy: POLLER,
    meaning:
      "The LNB request budget could not be read from the database, so the run stopped rather than exceed Le New Black's rate. Run it again once the database answers.",
  },
  'POLLER.INVALID_SCHEDULE': {
    retriable: false,
    raisedBy: POLLER,
    meaning: 'A schedule change was refused (an invalid cron expression or time zone); the previous schedule stays. Fix it and save again.',
  },
  'POLLER.INVALID_SELECTION': {
    retriable: false,
    raisedBy: POLLER,
    meaning: 'A selection change was refused (invalid rules); the previous selection stays. Fix it and save again.',
  },

  // ---------------------------------------------------------------- a document's data in Le New Black (the mapper)
  'LNB.EMPTY_DOCUMENT': {
    retriable: false,
    raisedBy: MAPPER,
    meaning: 'The document has no lines in Le New Black. Add its lines there, then retry the document.',
  },
  'LNB.MISSING_SKU': { retriable: false, raisedBy: MAPPER, meaning: 'A line has no SKU in Le New Black. Fill it in there, then retry the document.' },
  'LNB.MISSING_EAN13': {
    retriable: false,
    raisedBy: MAPPER,
    meaning: 'A line has no EAN13 barcode in Le New Black. Fill it in on the product or order there, then retry the document.',
  },
  'LNB.ZERO_QUANTITY_LINE': {
    retriable: false,
    raisedBy: MAPPER,
    meaning:
      'A line has a quantity of 0. With no amount it is left out (a warning); with an amount the document is refused until the line is corrected in Le New Black.',
  },
  'LNB.MISSING_RETAILER_REFERENCE': {
    retriable: false,
    raisedBy: MAPPER,
    meaning: 'The retailer has no customer reference in Le New Black; Xero identifies the customer by it (Contact Code). Fill it in there, then retry.',
  },
  'LNB.RETAILER_REFERENCE_TOO_LONG': {
    retriable: false,
    raisedBy: MAPPER,
    meaning: "The retailer's customer reference is longer than Xero's Contact Code allows. Shorten it in Le New Black, then retry.",
  },
  'LNB.MISSING_RETAILER_NAME': {
    retriable: false,
    raisedBy: MAPPER,
    meaning: 'The retailer has no name in Le New Black; Xero needs a contact name. Fill it in there, then retry.',
  },
  'LNB.UNKNOWN_TAX_RATE': {
    retriable: false,
    raisedBy: MAPPER,
    meaning: 'The document has no tax rate, or one the mapping does not map to a Xero tax type. Fix the document, or add the rate to the mapping, then retry.',
  },
  'LNB.CURRENCY_MISSING': { retriable: false, raisedBy: MAPPER, meaning: 'The document has no currency in Le New Black. Fix it there, then retry.' },
  'LNB.MISSING_DATE': { retriable: false, raisedBy: MAPPER, meaning: 'The document has no invoice date in Le New Black. Fix it there, then retry.' },
  'LNB.TOTALS_MISMATCH': {
    retriable: false,
    raisedBy: MAPPER,
    meaning:
      "Xero would compute a total (or tax) different from Le New Black's by more than the rounding the mapping allows. Check the document's lines and tax in Le New Black.",
  },
  'LNB.TOTAL_MISSING': {
    retriable: false,
    raisedBy: MAPPER,
    meaning: "The document has no total in Le New Black, so Xero's total cannot be checked against it. Fix it there, then retry.",
  },
  'LNB.CREDIT_NOTE_WITHOUT_INVOICE': {
    retriable: false,
    raisedBy: MAPPER,
    meaning:
      'The credit note does not name the invoice it credits, or names one Le New Black does not have, so it cannot be allocated in Xero. A warning or a refusal, as the mapping says.',
  },
  'LNB.DEPOSIT_NOT_EXPORTED': {
    retriable: false,
    raisedBy: MAPPER,
    meaning:
      'A warning: the invoice records a deposit in Le New Black. Xero gets the full amount; record the deposit in Xero as a payment against the invoice.',
  },

  // ---------------------------------------------------------------- the mapping
  'MAP.NO_ACCOUNT_FOR_LINE': {
    retriable: false,
    raisedBy: MAPPER,
    meaning:
      'The document has a kind of line (goods, shipping, discount...) for which the mapping names no Xero account. Add the account to the mapping, then retry.',
  },
  'MAP.NUMBER_TOO_LONG': {
    retriable: false,
    raisedBy: MAPPER,
    meaning: "The Xero number (prefix and LNB reference) would be longer than Xero allows. Shorten the mapping's prefix, then retry.",
  },
  'MAP.SKU_TOO_LONG_FOR_ITEM_CODE': {
    retriable: false,
    raisedBy: MAPPER,
    meaning: "A SKU is longer than a Xero item code allows, and the mapping uses SKUs as item codes. Change the mapping's item code, or the SKU, then retry.",
  },
  'MAP.INVALID_CHANGE': {
    retriable: false,
    raisedBy: MAPPER,
    meaning: 'A mapping change was refused (the message names each bad field); the mapping in force stays. Fix the change and send it again.',
  },
  'MAP.INVALID_CONFIG': {
    retriable: false,
    raisedBy: MAPPER,
    meaning:
      'A mapping configuration is invalid (the message names each bad field by path): the mapping file at start, or a configuration stored in the mapping stream that this version can no longer read. Fix the file (or send a Replace change), then start the mapper again.',
  },
  'MAP.INVALID_OUTPUT': {
    retriable: false,
    raisedBy: MAPPER,
    meaning: 'The mapper produced a document its own contract refuses: a defect in the connector. Report it with the message.',
  },

  // ---------------------------------------------------------------- the Xero organisation's set-up (checked by the mapper, or said by Xero)
  'XERO.UNKNOWN_TAX_TYPE': {
    retriable: false,
    raisedBy: [...MAPPER, ...EXPORTER],
    meaning: 'A tax type the document needs does not exist in the Xero organisation. Add it in Xero, or change the mapping, then retry.',
  },
  'XERO.TAX_TYPE_NOT_FOR_SALES': {
    retriable: false,
    raisedBy: MAPPER,
    meaning: 'A tax type the document needs is archived, or for purchases only, in Xero. Change it in Xero or in the mapping, then retry.',
  },
  'XERO.TAX_RATE_MISMATCH': {
    retriable: false,
    raisedBy: MAPPER,
    meaning:
      "A tax type's rate in Xero differs from the document's rate, so Xero would compute different tax. Fix the mapping or the tax rate in Xero, then retry.",
  },
  'XERO.UNKNOWN_ACCOUNT': {
    retriable: false,
    raisedBy: MAPPER,
    meaning: 'An account the mapping names does not exist in the Xero organisation. Add it in Xero, or change the mapping, then retry.',
  },
  'XERO.ARCHIVED_ACCOUNT': {
    retriable: false,
    raisedBy: MAPPER,
    meaning: 'An account the mapping names is archived in Xero. Restore it there, or change the mapping, then retry.',
  },
  'XERO.CURRENCY_NOT_ENABLED': {
    retriable: false,
    raisedBy: [...MAPPER, ...EXPORTER],
    meaning: "The document's currency is not enabled in the Xero organisation. Add it under Settings > Currencies, then retry.",
  },
  'XERO.UNKNOWN_TRACKING_CATEGORY': {
    retriable: false,
    raisedBy: MAPPER,
    meaning: 'A tracking category the mapping uses does not exist (or is archived) in Xero. Add it there, or change the mapping, then retry.',
  },
  'XERO.UNKNOWN_TRACKING_OPTION': {
    retriable: false,
    raisedBy: MAPPER,
    meaning: 'A tracking option the mapping uses does not exist in its category in Xero. Add it there, or change the mapping, then retry.',
  },

  // ---------------------------------------------------------------- Xero's answers to an export (the exporter)
  'XERO.VALIDATION': {
    retriable: false,
    raisedBy: EXPORTER,
    meaning: 'Xero refused the document; its own words are in the message. Fix what it names (in Le New Black, the mapping or Xero), then retry.',
  },
  'XERO.DUPLICATE_NUMBER': {
    retriable: false,
    raisedBy: EXPORTER,
    meaning: 'Xero already has a document with this number that the connector could not link (voided, or not found). Check the number in Xero.',
  },
  'XERO.INVALID_ACCOUNT': {
    retriable: false,
    raisedBy: EXPORTER,
    meaning: 'Xero refused an account on the document (unknown, archived or not allowed there). Fix the account in the mapping or in Xero, then retry.',
  },
  'XERO.LOCK_DATE': {
    retriable: false,
    raisedBy: EXPORTER,
    meaning: "The document's date falls before the organisation's lock date in Xero. Move the lock date, or the document's date, then retry.",
  },
  'XERO.CONTACT': {
    retriable: false,
    raisedBy: EXPORTER,
    meaning: 'Xero refused the contact (archived, deleted, or it could not be created). It is looked up afresh on the next retry; check the contact in Xero.',
  },
  'XERO.TRACKING': {
    retriable: false,
    raisedBy: EXPORTER,
    meaning: "Xero refused the document's tracking. Check the tracking categories and options in Xero and in the mapping, then retry.",
  },
  'XERO.TOTALS': {
    retriable: false,
    raisedBy: EXPORTER,
    meaning: "Xero refused the document's totals or discount. Check the document's lines in Le New Black, then retry.",
  },
  'XERO.FORBIDDEN': {
    retriable: false,
    raisedBy: EXPORTER,
    meaning:
      'Xero refused the request: the app lacks a permission for this organisation. Connect the organisation again, granting every permission asked, then retry.',
  },
  'XERO.NOT_FOUND': { retriable: false, raisedBy: EXPORTER, meaning: 'Xero has no such document or contact (deleted in Xero).' },
  'XERO.REQUEST_REJECTED': {
    retriable: false,
    raisedBy: EXPORTER,
    meaning: "Xero refused the whole request. The message has Xero's words; report it if they do not say what to fix.",
  },
  'XERO.RATE_LIMITED': {
    retriable: true,
    raisedBy: EXPORTER,
    meaning: "Xero's rate limit was reached. The documents wait as long as Xero says and are sent then; nothing to do.",
  },
  'XERO.UNAVAILABLE': {
    retriable: true,
    raisedBy: EXPORTER,
    meaning:
      'Xero did not answer, or answered with a server error. The documents are sent again later (never twice); after too many attempts they fail and can be retried.',
  },
  'XERO.CHANGED_AFTER_EXPORT': {
    retriable: false,
    raisedBy: EXPORTER,
    meaning:
      "The document changed in Le New Black after it was exported, and Xero's copy was not updated: it can no longer be edited there (paid, credited or voided), or the connector is set to report changes. Update Xero by hand if needed.",
  },

  // ---------------------------------------------------------------- the Xero connection (the exporter)
  'XERO.CONNECTION_LOST': {
    retriable: true,
    raisedBy: EXPORTER,
    meaning:
      'The connection to the Xero organisation is lost or was never made. Documents wait (nothing is lost) and are sent once someone connects the organisation again.',
  },
  'XERO.INVALID_GRANT': {
    retriable: true,
    raisedBy: EXPORTER,
    meaning: "Xero no longer accepts the connection's authorisation (expired or revoked). Documents wait; connect the organisation again.",
  },
  'XERO.CONSENT_REVOKED': {
    retriable: true,
    raisedBy: EXPORTER,
    meaning: 'The organisation disconnected the app in Xero. Documents wait; connect the organisation again.',
  },
  'XERO.TOKEN_REFUSED': {
    retriable: true,
    raisedBy: EXPORTER,
    meaning: 'Xero refused the access token even after a refresh. Documents wait; connect the organisation again.',
  },
  'XERO.INVALID_CLIENT': {
    retriable: true,
    raisedBy: EXPORTER,
    meaning:
      "Xero refused the app's own credentials (client id or secret). Documents wait; fix the app's credentials in the configuration, then connect again.",
  },
  'XERO.CONNECT_FAILED': {
    retriable: false,
    raisedBy: EXPORTER,
    meaning:
      'Connecting the Xero organisation did not complete: the authorisation link was unknown or expired, Xero refused the authorisation or its new token, or the connection reaches no organisation (or not the one XERO_TENANT_ID names). Press "Connect to Xero" in the Integration Center again, or fix XERO_TENANT_ID.',
  },

  // ---------------------------------------------------------------- a credit note's allocation (the exporter; never a failed export)
  'XERO.ALLOCATION_INVOICE_PAID': {
    retriable: false,
    raisedBy: EXPORTER,
    meaning: "The invoice was already paid in Xero, so the credit note was not allocated to it; its credit stays on the customer's account.",
  },
  'XERO.ALLOCATION_CONTACT_MISMATCH': {
    retriable: false,
    raisedBy: EXPORTER,
    meaning: 'The credit note and its invoice belong to different contacts in Xero, so it cannot be allocated to that invoice.',
  },
  'XERO.ALLOCATION_CURRENCY_MISMATCH': {
    retriable: false,
    raisedBy: EXPORTER,
    meaning: 'The credit note and its invoice are in different currencies; Xero allocates only within one currency.',
  },
  'XERO.ALLOCATION_VOIDED': {
    retriable: false,
    raisedBy: EXPORTER,
    meaning: 'The credit note or its invoice is voided or deleted in Xero, so nothing was allocated.',
  },
  'XERO.ALLOCATION_NO_CREDIT_LEFT': {
    retriable: false,
    raisedBy: EXPORTER,
    meaning: 'The credit note has no credit left in Xero (allocated or refunded there), so nothing was allocated.',
  },
  'XERO.ALLOCATION_REFUSED': {
    retriable: false,
    raisedBy: EXPORTER,
    meaning: 'Xero refused the allocation; its words are in the message. Allocate it by hand in Xero if it should be.',
  },

  // ---------------------------------------------------------------- the exporter's own
  'EXPORTER.BUSY': {
    retriable: true,
    raisedBy: EXPORTER,
    meaning: 'A new revision arrived while the document was being sent to Xero; it is recorded a moment later. Nothing to do.',
  },
  'EXPORTER.ALREADY_IN_XERO': {
    retriable: false,
    raisedBy: EXPORTER,
    meaning:
      'A look-up before sending again was asked for a document Xero already has: it is never created twice. The exporter updates or reports it instead; nothing to do.',
  },
  'EXPORTER.NO_ALLOCATION': {
    retriable: false,
    raisedBy: EXPORTER,
    meaning:
      'An allocation step was asked for a credit note that has no allocation to its invoice (none was requested, or it was decided already). Nothing is sent to Xero; nothing to do.',
  },

  // ---------------------------------------------------------------- the monitor's placeholders
  'XERO.UNKNOWN': { retriable: false, raisedBy: MONITOR, meaning: 'An export failed without saying why (an older exporter). See the document history.' },
  'DLQ.UNKNOWN': {
    retriable: false,
    raisedBy: MONITOR,
    meaning: 'A dead letter without a code (not sent by this connector). See its reasons and original topic.',
  },

  // ---------------------------------------------------------------- connections (monitor-api owns them; the poller keeps their LNB credentials)
  'CONNECTION.INVALID': {
    retriable: false,
    raisedBy: MONITOR,
    meaning: 'A connection was not created or changed: a value is not valid (the message names it). Correct it, then try again.',
  },
  'CONNECTION.ALREADY_EXISTS': {
    retriable: false,
    raisedBy: MONITOR,
    meaning: 'A connection with this id exists already (or existed, and was removed: ids are never reused). Choose another id.',
  },
  'CONNECTION.NOT_FOUND': {
    retriable: false,
    raisedBy: MONITOR,
    meaning: 'There is no such connection. Check the id in the list of connections.',
  },
  'CONNECTION.REMOVED': {
    retriable: false,
    raisedBy: MONITOR,
    meaning: 'The connection was removed: it cannot be changed, paused or resumed any more. Its documents already in Xero stay there.',
  },
  'CONNECTION.ALREADY_PAUSED': {
    retriable: false,
    raisedBy: MONITOR,
    meaning: 'The connection is paused already. Resume it first if it should run again.',
  },
  'CONNECTION.NOT_PAUSED': {
    retriable: false,
    raisedBy: MONITOR,
    meaning: 'The connection is not paused, so there is nothing to resume.',
  },
  'LNB.CREDENTIALS_REFUSED': {
    retriable: false,
    raisedBy: POLLER,
    meaning: 'Le New Black refused the client id and secret given for a connection: nothing was stored. Check them in Le New Black, then set them again.',
  },
  'POLLER.CONNECTION_NOT_ACTIVE': {
    retriable: false,
    raisedBy: POLLER,
    meaning:
      'The connection is paused or was removed in the Integration Center, so the run read nothing from Le New Black (a scheduled run is not even asked for). Resume the connection, then run again.',
  },
  'POLLER.CREDENTIALS_UNREADABLE': {
    retriable: false,
    raisedBy: POLLER,
    meaning:
      "The LNB credentials stored for the connection cannot be opened with the poller's POLLER_CREDENTIALS_KEY (the key was changed, or the value altered): the run stopped before asking Le New Black anything. Set the credentials again.",
  },
  'POLLER.NO_LNB_CREDENTIALS': {
    retriable: false,
    raisedBy: POLLER,
    meaning:
      "No LNB credentials are set for the connection, so the run stopped before asking Le New Black anything (a run only ever uses its own connection's credentials). Set them in the Integration Center, then run again.",
  },
  'POLLER.UNAVAILABLE': {
    retriable: true,
    raisedBy: MONITOR,
    meaning: 'The LNB poller did not answer (or is not set up on this monitor: POLLER_INTERNAL_URL): nothing was changed. Try again in a moment.',
  },

  // ---------------------------------------------------------------- messages every consumer refuses (sent to <topic>.dlq)
  'CONTRACT.UNKNOWN_TOPIC': {
    retriable: false,
    raisedBy: EVERY_SERVICE,
    meaning: 'A message arrived on a topic no event is registered for. It went to the dead-letter topic: an integrator publishing on the wrong topic.',
  },
  'CONTRACT.NOT_JSON': { retriable: false, raisedBy: EVERY_SERVICE, meaning: 'A message is not JSON. It went to the dead-letter topic with its bytes.' },
  'CONTRACT.BAD_ENVELOPE': {
    retriable: false,
    raisedBy: EVERY_SERVICE,
    meaning: "A message's envelope (event id, type, version, key...) is invalid; the reasons name each field. It went to the dead-letter topic.",
  },
  'CONTRACT.WRONG_TYPE': {
    retriable: false,
    raisedBy: EVERY_SERVICE,
    meaning: "A message's type is not the event of its topic. It went to the dead-letter topic.",
  },
  'CONTRACT.BAD_PAYLOAD': {
    retriable: false,
    raisedBy: EVERY_SERVICE,
    meaning: "A message's payload breaks its event's contract; the reasons name each field. It went to the dead-letter topic.",
  },
  'CONTRACT.NO_HANDLER': {
    retriable: false,
    raisedBy: EVERY_SERVICE,
    meaning: 'A service received an event it has no handler for. It went to the dead-letter topic: a deployment or subscription mistake.',
  },
  'HANDLER.FAILED': {
    retriable: true,
    raisedBy: EVERY_SERVICE,
    meaning: 'Handling a message failed on an error without a code of its own. It is retried with backoff, then dead-lettered; report the message.',
  },
  'HANDLER.RETRIES_EXHAUSTED': {
    retriable: false,
    raisedBy: EVERY_SERVICE,
    meaning: 'A message kept failing with a retriable error up to CONSUMER_MAX_ATTEMPTS and went to the dead-letter topic; the reasons keep the last error.',
  },

  // ---------------------------------------------------------------- the plumbing
  'STORE.WRONG_EXPECTED_VERSION': {
    retriable: true,
    raisedBy: EVERY_SERVICE,
    meaning: 'Someone else changed the same stream first. The change is decided again from the new state; nothing to do.',
  },
  'STORE.DUPLICATE_EVENT': {
    retriable: false,
    raisedBy: EVERY_SERVICE,
    meaning: 'An event with this id is already stored; storing it again would publish it twice. A defect: report it.',
  },
  'STORE.UNREADABLE_EVENT': {
    retriable: false,
    raisedBy: EVERY_SERVICE,
    meaning:
      "A stored event no longer passes its event's contract, or is not the event its stream holds, so the service cannot rebuild its state from that stream. A defect or a missed migration: report it with the message (it names the stream, version and event).",
  },
  'STORE.SCHEMA_NOT_MIGRATED': {
    retriable: false,
    raisedBy: EVERY_SERVICE,
    meaning:
      'The database lacks a migration this version needs, so the service refused to start. Run "npm run migrate" (or the compose migrate service), then start it again.',
  },
  'KAFKA.TOPICS_MISSING': {
    retriable: false,
    raisedBy: EVERY_SERVICE,
    meaning:
      "Kafka topics the service needs are missing and it may not create them (a secured broker). Run the broker's setup step as admin, then start it again.",
  },
  'KAFKA.PUBLISH_FAILED': {
    retriable: true,
    raisedBy: EVERY_SERVICE,
    meaning: "Events could not be handed to Kafka. They stay in the service's outbox and are sent again; the outbox-lag metric shows them waiting.",
  },
  'CONFIG.INVALID': {
    retriable: false,
    raisedBy: EVERY_SERVICE,
    meaning: 'The service refused to start: a configuration value is missing or invalid (the message names each variable). Fix it, then start it again.',
  },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export const isErrorCode = (value: unknown): value is ErrorCode => typeof value === 'string' && Object.hasOwn(ERROR_CATALOGUE, value);

/** Whether trying again can help, as the catalogue says of `code`. */
export const isRetriableCode = (code: ErrorCode): boolean => ERROR_CATALOGUE[code].retriable;
