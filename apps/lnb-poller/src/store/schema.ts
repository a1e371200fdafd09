/**
 * The poller's own tables beside its event store, made by apps/lnb-poller/migrations (npm run migrate), never by
 * the service. Which are projections of its streams (schedules, selections) and which are deliberately not
 * domain state (the run queue, the scheduler's claims, the LNB budget's bucket, the cache of what LNB said) is
 * in apps/lnb-poller/README.md.
 */
export const SCHEMA = 'poller';

/** The last of apps/lnb-poller/migrations: the service refuses to start until its schema has it. */
export const REQUIRED_MIGRATION = '0005_connections';

/** The projections `npm run poller:rebuild` writes again from their streams (store/flow-settings-store.ts). */
export const SETTING_PROJECTIONS = ['schedules', 'selections'] as const;
