import { ConnectionChanged, validatePlain } from '@lnbx/contracts';
import {
  changeOf,
  type ConnectionCommand,
  type ConnectionDecision,
  type ConnectionEvent,
  type ConnectionState,
  decideConnection,
  evolveConnection,
  NO_CONNECTION,
  SYSTEM,
} from './connection';

const AT = '2026-03-10T09:30:00.000Z';
const LATER = '2026-03-11T10:00:00.000Z';
const who = { by: 'ops-key', at: AT };

type Ask = ConnectionCommand extends infer C ? (C extends ConnectionCommand ? Omit<C, 'by' | 'at'> : never) : never;
const cmd = (c: Ask, by = 'ops-key', at = LATER): ConnectionCommand => ({ ...c, by, at }) as ConnectionCommand;

const created: ConnectionEvent = { type: 'ConnectionCreated', id: 'acme-uk', name: 'Acme UK', timeZone: 'Europe/London', baseCurrency: 'GBP', ...who };
const paused: ConnectionEvent = { type: 'ConnectionPaused', reason: 'year-end close', ...who };
const removed: ConnectionEvent = { type: 'ConnectionRemoved', ...who };
const connected: ConnectionEvent = { type: 'XeroConnected', tenantId: 't-1', organisationName: 'Demo Fashion Ltd', by: SYSTEM, at: AT };

const given = (...events: ConnectionEvent[]): ConnectionState => events.reduce(evolveConnection, NO_CONNECTION);
const when = (command: ConnectionCommand, ...events: ConnectionEvent[]): ConnectionDecision => decideConnection(command, given(...events));
const eventsOf = (d: ConnectionDecision): ConnectionEvent[] => {
  if (!d.ok) throw new Error(`refused: ${d.code} ${d.message}`);
  return d.events;
};
const refusal = (d: ConnectionDecision) => (d.ok ? { ok: true } : { code: d.code, message: d.message });

describe('decideConnection: create', () => {
  it('creates a connection with who did it, its zone in IANA spelling and no currency when none is said', () => {
    expect(eventsOf(when(cmd({ type: 'Create', id: 'acme-nl', name: ' Acme NL ', timeZone: 'europe/amsterdam' }, 'admin')))).toEqual([
      { type: 'ConnectionCreated', id: 'acme-nl', name: 'Acme NL', timeZone: 'Europe/Amsterdam', baseCurrency: null, by: 'admin', at: LATER },
    ]);
  });

  it('refuses an id taken (even by a removed connection), naming it', () => {
    expect(refusal(when(cmd({ type: 'Create', id: 'acme-uk', name: 'Again', timeZone: 'UTC' }), created, removed))).toEqual({
      code: 'CONNECTION.ALREADY_EXISTS',
      message: 'A connection with the id acme-uk exists already: choose another id.',
    });
  });

  it('refuses bad values, naming each field', () => {
    const d = when(cmd({ type: 'Create', id: 'Acme_UK', name: ' ', timeZone: 'Mars/Olympus', baseCurrency: 'pounds' }));
    expect(d.ok).toBe(false);
    expect(refusal(d)).toEqual({
      code: 'CONNECTION.INVALID',
      message: expect.stringMatching(/^The connection was not created: id must .*; name must .*; timeZone must .*; baseCurrency must .*\.$/),
    });
    for (const id of ['a', '-acme', 'acme uk', `a${'b'.repeat(63)}`])
      expect(refusal(when(cmd({ type: 'Create', id, name: 'x', timeZone: 'UTC' })))).toMatchObject({ code: 'CONNECTION.INVALID' });
  });
});

describe('decideConnection: people change it', () => {
  it('renames, and says nothing when the name is the same', () => {
    expect(eventsOf(when(cmd({ type: 'Rename', name: 'Acme Britain' }), created))).toEqual([
      { type: 'ConnectionRenamed', name: 'Acme Britain', by: 'ops-key', at: LATER },
    ]);
    expect(eventsOf(when(cmd({ type: 'Rename', name: 'Acme UK' }), created))).toEqual([]);
  });

  it('changes the time zone, refusing one that is not IANA', () => {
    expect(eventsOf(when(cmd({ type: 'ChangeTimeZone', timeZone: 'Europe/Dublin' }), created))).toEqual([
      { type: 'TimeZoneChanged', timeZone: 'Europe/Dublin', by: 'ops-key', at: LATER },
    ]);
    expect(refusal(when(cmd({ type: 'ChangeTimeZone', timeZone: 'Paris' }), created))).toMatchObject({ code: 'CONNECTION.INVALID' });
  });

  it('records LNB credentials set by a hint of the client id, never more of it', () => {
    const [event] = eventsOf(when(cmd({ type: 'SetLnbCredentials', clientId: 'client-id-9f3a' }), created));
    expect(event).toEqual({ type: 'LnbCredentialsSet', hint: '9f3a', by: 'ops-key', at: LATER });
    expect(given(created, event).connection?.lnbCredentials).toEqual({ setAt: LATER, setBy: 'ops-key', hint: '9f3a' });
  });

  it('pauses with a reason and resumes; refuses pausing a paused one and resuming an active one', () => {
    expect(eventsOf(when(cmd({ type: 'Pause', reason: 'audit' }), created))).toEqual([{ type: 'ConnectionPaused', reason: 'audit', by: 'ops-key', at: LATER }]);
    expect(refusal(when(cmd({ type: 'Pause', reason: 'again' }), created, paused))).toEqual({
      code: 'CONNECTION.ALREADY_PAUSED',
      message: 'The connection acme-uk is paused already (year-end close).',
    });
    expect(refusal(when(cmd({ type: 'Pause', reason: '' }), created))).toMatchObject({
      code: 'CONNECTION.INVALID',
      message: expect.stringContaining('reason must'),
    });
    expect(eventsOf(when(cmd({ type: 'Resume' }), created, paused))).toEqual([{ type: 'ConnectionResumed', by: 'ops-key', at: LATER }]);
    expect(refusal(when(cmd({ type: 'Resume' }), created))).toEqual({
      code: 'CONNECTION.NOT_PAUSED',
      message: 'The connection acme-uk is not paused: there is nothing to resume.',
    });
  });

  it('refuses every change of a removed connection in plain words, and a second removal', () => {
    const asks: Ask[] = [
      { type: 'Rename', name: 'x' },
      { type: 'ChangeTimeZone', timeZone: 'UTC' },
      { type: 'SetLnbCredentials', clientId: 'abcd' },
      { type: 'Pause', reason: 'x' },
      { type: 'Resume' },
      { type: 'Remove' },
    ];
    for (const ask of asks) {
      expect(refusal(when(cmd(ask), created, removed))).toEqual({
        code: 'CONNECTION.REMOVED',
        message: expect.stringMatching(/^The connection acme-uk was removed/),
      });
    }
  });

  it('refuses anything but a creation on a connection that does not exist, without a hint', () => {
    expect(refusal(when(cmd({ type: 'Rename', name: 'x' })))).toEqual({ code: 'CONNECTION.NOT_FOUND', message: 'There is no such connection.' });
    expect(refusal(when(cmd({ type: 'RecordXeroDisconnected' }, SYSTEM)))).toMatchObject({ code: 'CONNECTION.NOT_FOUND' });
  });
});

describe('decideConnection: what other services tell', () => {
  it('records the Xero organisation connected, lost and disconnected, each once', () => {
    const connect = cmd({ type: 'RecordXeroConnected', tenantId: 't-1', organisationName: 'Demo Fashion Ltd' }, SYSTEM);
    expect(eventsOf(when(connect, created))).toEqual([{ ...connected, at: LATER }]);
    expect(eventsOf(when(connect, created, connected))).toEqual([]);
    const lost = cmd({ type: 'RecordXeroLost', tenantId: null, organisationName: null, reason: 'consent revoked' }, SYSTEM);
    const [lostEvent] = eventsOf(when(lost, created, connected));
    expect(given(created, connected, lostEvent).connection?.xero).toEqual({
      state: 'lost',
      tenantId: 't-1',
      organisationName: 'Demo Fashion Ltd',
      reason: 'consent revoked',
    });
    expect(eventsOf(when(lost, created, connected, lostEvent))).toEqual([]);
    const [gone] = eventsOf(when(cmd({ type: 'RecordXeroDisconnected' }, SYSTEM), created, connected));
    expect(given(created, connected, gone).connection?.xero.state).toBe('disconnected');
    expect(eventsOf(when(cmd({ type: 'RecordXeroDisconnected' }, SYSTEM), created))).toEqual([]);
  });

  it("records who picked the organisation among a consent's, even the one it was connected to before", () => {
    const picked = cmd({ type: 'RecordXeroConnected', tenantId: 't-1', organisationName: 'Demo Fashion Ltd' }, 'ops-key');
    expect(eventsOf(when(picked, created, connected))).toEqual([{ ...connected, by: 'ops-key', at: LATER }]);
    expect(eventsOf(when(picked, created, connected, removed))).toEqual([]);
  });

  it('records settings changed with who asked, and nothing at all on a removed connection', () => {
    const [schedule] = eventsOf(when(cmd({ type: 'RecordScheduleChanged', flow: 'invoices' }), created));
    const [selection] = eventsOf(when(cmd({ type: 'RecordSelectionChanged', flow: 'credit_notes' }), created));
    const [mapping] = eventsOf(when(cmd({ type: 'RecordMappingChanged' }), created));
    const after = given(created, schedule, selection, mapping).connection;
    expect([after?.scheduleChanged, after?.selectionChanged, after?.mappingChanged]).toEqual([
      { at: LATER, by: 'ops-key' },
      { at: LATER, by: 'ops-key' },
      { at: LATER, by: 'ops-key' },
    ]);
    for (const ask of [
      { type: 'RecordScheduleChanged', flow: 'invoices' },
      { type: 'RecordXeroConnected', tenantId: 't', organisationName: null },
    ] as Ask[]) {
      expect(eventsOf(when(cmd(ask, SYSTEM), created, removed))).toEqual([]);
    }
  });
});

describe('evolveConnection', () => {
  it('folds the stream into the whole state, counting versions', () => {
    const renamed: ConnectionEvent = { type: 'ConnectionRenamed', name: 'Acme Britain', by: 'ops-key', at: LATER };
    expect(given(created, connected, renamed, paused)).toEqual({
      version: 4,
      connection: {
        id: 'acme-uk',
        name: 'Acme Britain',
        timeZone: 'Europe/London',
        baseCurrency: 'GBP',
        status: 'paused',
        pausedReason: 'year-end close',
        xero: { state: 'connected', tenantId: 't-1', organisationName: 'Demo Fashion Ltd', reason: null },
        lnbCredentials: null,
        mappingChanged: null,
        scheduleChanged: null,
        selectionChanged: null,
        createdAt: AT,
        createdBy: 'ops-key',
        updatedAt: AT,
        version: 4,
      },
    });
    expect(given(created, paused, removed).connection).toMatchObject({ status: 'removed', pausedReason: null, version: 3 });
  });

  it('refuses a stream that does not start with the creation', () => {
    expect(() => given(paused)).toThrow('a ConnectionPaused cannot come before the connection was created');
  });

  it('makes a state the published contract takes, with each change named', () => {
    const state = given(created, connected, paused);
    const value = { change: changeOf(paused), connection: state.connection, by: paused.by, at: paused.at };
    expect(validatePlain(ConnectionChanged.Value, value)).toMatchObject({ ok: true });
    expect([created, connected, paused, removed].map(changeOf)).toEqual(['created', 'xero_connected', 'paused', 'removed']);
  });
});
