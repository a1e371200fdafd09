// Which connection a request acts on: a brand's key its own only, a deployment key the one it names.
import { BadRequestException, NotFoundException } from '@nestjs/common';
import { resolveScope, type Principal } from './auth';

const brand: Principal = { name: 'uk-finance', role: 'operator', connection: 'uk' };
const admin: Principal = { name: 'integrator', role: 'admin', connection: null };
/** The connections that exist: the live ones, and `removed` (kept, never deleted). */
const live = (...ids: string[]) => ({ live: async () => ids, exists: async (id: string) => [...ids, 'removed'].includes(id) });

describe('the connection a request acts on', () => {
  it("is a brand key's own, named or not; any other (or a malformed one) is the 404 of an unknown connection", async () => {
    await expect(resolveScope(brand, undefined, live('uk', 'nl'))).resolves.toBe('uk');
    await expect(resolveScope(brand, 'uk', live())).resolves.toBe('uk');
    for (const other of ['nl', 'no-such', 'NL!', ''])
      await expect(resolveScope(brand, other, live('uk', 'nl'))).rejects.toEqual(new NotFoundException('There is no such connection.'));
  });

  it('is the one a deployment key names (removed ones too; none that does not exist), else the only live one, else a 400 naming the parameter', async () => {
    await expect(resolveScope(admin, 'nl', live('uk', 'nl'))).resolves.toBe('nl');
    await expect(resolveScope(admin, 'removed', live('uk', 'nl'))).resolves.toBe('removed');
    await expect(resolveScope(admin, 'no-such', live('uk', 'nl'))).rejects.toEqual(new NotFoundException('There is no such connection.'));
    await expect(resolveScope(admin, undefined, live('uk'))).resolves.toBe('uk');
    await expect(resolveScope(admin, undefined, live('uk', 'nl'))).rejects.toBeInstanceOf(BadRequestException);
    await expect(resolveScope(admin, undefined, live())).rejects.toThrow(BadRequestException);
    const refused = await resolveScope(admin, undefined, live('uk', 'nl')).catch((e: BadRequestException) => e.getResponse());
    expect(JSON.stringify(refused)).toContain('connection: name the connection this acts on (?connection=<id>): this deployment has 2 connections');
    await expect(resolveScope(admin, 'NL!', live('uk'))).rejects.toBeInstanceOf(BadRequestException);
    await expect(resolveScope(admin, ['uk', 'nl'], live('uk'))).rejects.toBeInstanceOf(BadRequestException);
  });
});
