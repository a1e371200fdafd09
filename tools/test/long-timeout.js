// Integration and e2e tests start real processes and wait on real brokers: allow them minutes, not 5 s.
jest.setTimeout(Number(process.env.TEST_TIMEOUT_MS ?? 120000));
