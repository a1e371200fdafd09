import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { postgresAdminUrl } from './env';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database for one test file, so runs never see each other's data. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `lnbx_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: postgresAdminUrl() });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const c = new Client({ connectionString: postgresAdminUrl() });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A topic prefix unique to this test run, so runs never read each other's messages. */
export const uniqueTopicPrefix = (label = 't'): string => `${label}-${randomBytes(4).toString('hex')}.`;
