/**
 * The poller's own tables beside its event store: projections of its streams, written in the same
 * transaction as the events (runs, revisions per document, schedules, selections, each flow's progress
 * from its runs' starts). Two are caches of what LNB said, not decided from: what was last read of each
 * document and retailer (losing them costs one run that reads everything, never a missed change); and the
 * LNB budget's bucket. They are made by apps/lnb-poller/migrations (npm run migrate), never by the service.
 */
export const SCHEMA = 'poller';

/** The last of apps/lnb-poller/migrations: the service refuses to start until its schema has it. */
export const REQUIRED_MIGRATION = '0002_incremental';
