import type { Pool } from 'pg';

/** The monitor's read models (projections of every topic), in its own schema. Rebuildable from the events. */
export async function migrateReadModel(pool: Pool): Promise<void> {
  await pool.query(`
    create schema if not exists monitor;
    create table if not exists monitor.runs (
      run_id text primary key,
      flow text not null,
      mode text not null,
      trigger text not null,
      requested_by text not null,
      status text not null,
      requested_at timestamptz,
      started_at timestamptz,
      ended_at timestamptz,
      counts jsonb,
      problem jsonb,
      updated_at timestamptz not null default now()
    );
  `);
}
