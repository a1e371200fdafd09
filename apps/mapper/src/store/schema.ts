// The mapper's schema: its event store only (libs/event-store/migrations), plus its own migrations in
// apps/mapper/migrations (npm run migrate), which only move its streams' data.
import type { Pool } from 'pg';
import { STATE_STREAM_PREFIXES } from './mapper.state';

export const SCHEMA = 'mapper';

/** The last of apps/mapper/migrations: the service refuses to start until its schema has it. */
export const REQUIRED_MIGRATION = '0001_streams-per-connection';

/** The mapper's state streams of every connection, as MapperState.restore reads them at boot. */
export async function stateStreams(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ stream_id: string }>(
    `select stream_id from ${SCHEMA}.streams where starts_with(stream_id, $1) or starts_with(stream_id, $2) order by stream_id`,
    [...STATE_STREAM_PREFIXES],
  );
  return rows.map((r) => r.stream_id);
}
