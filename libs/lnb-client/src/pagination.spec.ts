import { hasMorePages, parsePagination } from './pagination';

const headers = (values: Record<string, string>) => new Headers(values);

describe('X-Pagination headers', () => {
  it('reads all five, case-insensitively', () => {
    expect(
      parsePagination(
        headers({
          'X-Pagination-Current-Page': '2',
          'x-pagination-page-size': '500',
          'X-PAGINATION-HAS-MORE': 'true',
          'X-Pagination-Total-Pages': '7',
          'X-Pagination-Total-Items': '3200',
        }),
      ),
    ).toEqual({ currentPage: 2, pageSize: 500, hasMore: true, totalPages: 7, totalItems: 3200 });
  });

  it('accepts 1/0 and yes/no for Has-More and drops unreadable values', () => {
    expect(parsePagination(headers({ 'x-pagination-has-more': '0', 'x-pagination-total-pages': 'many' }))).toEqual({ hasMore: false });
    expect(parsePagination(headers({ 'x-pagination-has-more': 'Yes' }))).toEqual({ hasMore: true });
    expect(parsePagination(headers({}))).toEqual({});
  });
});

describe('whether another page follows', () => {
  it('believes Has-More first', () => {
    expect(hasMorePages({ hasMore: false, totalPages: 9 }, 1, 500, 500)).toBe(false);
    expect(hasMorePages({ hasMore: true }, 1, 10, 500)).toBe(true);
  });

  it('then Total-Pages', () => {
    expect(hasMorePages({ totalPages: 3 }, 2, 500, 500)).toBe(true);
    expect(hasMorePages({ totalPages: 3 }, 3, 500, 500)).toBe(false);
  });

  it('falls back to "a full page means there may be more", with the sent page size if any', () => {
    expect(hasMorePages({}, 1, 500, 500)).toBe(true);
    expect(hasMorePages({}, 1, 499, 500)).toBe(false);
    expect(hasMorePages({ pageSize: 50 }, 1, 50, 500)).toBe(true);
  });

  it('stops on an empty page whatever the headers say', () => {
    expect(hasMorePages({ hasMore: true }, 4, 0, 500)).toBe(false);
  });
});
