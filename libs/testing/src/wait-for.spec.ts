import { waitFor } from './wait-for';

describe('waitFor', () => {
  it('returns the first truthy value', async () => {
    let n = 0;
    await expect(waitFor('n to reach 3', () => (++n >= 3 ? n : undefined), { intervalMs: 1 })).resolves.toBe(3);
  });
  it('names what it waited for at the deadline', async () => {
    await expect(waitFor('never', () => false, { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow(/waiting for never/);
  });
});
