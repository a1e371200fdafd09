export * from './model';
export {
  LnbClient,
  type FetchLike,
  type LnbClientOptions,
  type LnbLogger,
  type LnbPage,
  type LnbRequestEvent,
  type LnbRequestGate,
  type ListOptions,
} from './client';
export { LnbError, LNB_ERROR_CODES, isLnbError, type LnbErrorCode, type LnbErrorDetails } from './errors';
export { parsePagination, hasMorePages, type PaginationInfo } from './pagination';
export { LruCache } from './lru-cache';
export { CREDIT_NOTES_PATH, creditNoteFromApi } from './credit-notes.adapter';
export { ORDERS_PATH, UPDATE_FILTER_MARGIN_MS, updatedBetweenQuery, type OrderUpdateRange } from './orders-changes.adapter';
