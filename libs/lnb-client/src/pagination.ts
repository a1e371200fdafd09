/** LNB's X-Pagination-* response headers; any of them may be missing (the SDK warns they may not be sent yet). */
export interface PaginationInfo {
  currentPage?: number;
  pageSize?: number;
  hasMore?: boolean;
  totalPages?: number;
  totalItems?: number;
}

interface HeaderSource {
  get(name: string): string | null;
}

function integer(value: string | null): number | undefined {
  return value !== null && /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
}

function flag(value: string | null): boolean | undefined {
  const v = value?.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  return undefined;
}

export function parsePagination(headers: HeaderSource): PaginationInfo {
  const info: PaginationInfo = {
    currentPage: integer(headers.get('x-pagination-current-page')),
    pageSize: integer(headers.get('x-pagination-page-size')),
    hasMore: flag(headers.get('x-pagination-has-more')),
    totalPages: integer(headers.get('x-pagination-total-pages')),
    totalItems: integer(headers.get('x-pagination-total-items')),
  };
  for (const key of Object.keys(info) as (keyof PaginationInfo)[]) if (info[key] === undefined) delete info[key];
  return info;
}

/**
 * Whether to ask for the page after `page`: Has-More when sent, else Total-Pages, else the fallback
 * "a full page means there may be more". An empty page always ends the listing.
 */
export function hasMorePages(info: PaginationInfo, page: number, itemCount: number, expectedPageSize: number): boolean {
  if (itemCount === 0) return false;
  if (info.hasMore !== undefined) return info.hasMore;
  if (info.totalPages !== undefined) return page < info.totalPages;
  return itemCount >= (info.pageSize ?? expectedPageSize);
}
