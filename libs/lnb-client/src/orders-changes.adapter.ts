// ASSUMED: the SDKs name GET /orders' update_time_from/update_time_to filters and nothing about them.
// Everything the connector assumes about their meaning lives here, so the day Le New Black documents
// them only this file changes:
//   - format: ISO 8601 with an explicit zone; we send UTC ("2026-03-10T09:00:00Z"), whole seconds;
//   - time zone: an explicit "Z" is read as UTC. Should LNB ignore the zone and read the digits as the
//     brand's local time (Paris, east of UTC), the instant asked for is earlier: more orders, none lost;
//   - inclusivity: both ends are taken as included. `from` is sent a second early (floored to the
//     second, minus one), so an exclusive bound or a comparison at whole seconds still returns an
//     order changed at `from`; `to` is rounded up to the second for the same reason;
//   - meaning: any change to an order or to its items (an EAN13 fixed) moves its update_time. A
//     change that does not is invisible to this filter: the poller's periodic full re-check finds it.
// The caller's own safety overlap (an LNB clock running behind ours) is the poller's, not this file's.

export const ORDERS_PATH = '/orders';

/** The orders to ask for: updated at or after `from`, and at or before `to` when given. */
export interface OrderUpdateRange {
  from: Date;
  to?: Date;
}

/** How much earlier than `from` the filter is sent (see above). */
export const UPDATE_FILTER_MARGIN_MS = 1000;

const utcSeconds = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** The query parameters of GET /orders for a range; a bad date is a plain error, not a silent full listing. */
export function updatedBetweenQuery(range: OrderUpdateRange): Record<string, string> {
  const from = range.from.getTime();
  if (Number.isNaN(from)) throw new RangeError('orders updated since: the start of the range is not a valid date');
  const query: Record<string, string> = { update_time_from: utcSeconds(Math.floor(from / 1000) * 1000 - UPDATE_FILTER_MARGIN_MS) };
  if (range.to !== undefined) {
    const to = range.to.getTime();
    if (Number.isNaN(to)) throw new RangeError('orders updated since: the end of the range is not a valid date');
    if (to < from) throw new RangeError(`orders updated since: the range ends (${range.to.toISOString()}) before it starts (${range.from.toISOString()})`);
    query.update_time_to = utcSeconds(Math.ceil(to / 1000) * 1000);
  }
  return query;
}
