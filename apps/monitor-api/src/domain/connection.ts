// A connection (one brand's LNB account joined to one Xero organisation), decided from its own stream,
// connection-<id>: what people ask through the REST API and what monitor-api learns from the other services
// (the Xero organisation, settings changed) become events that say who did it and when; the state is the
// fold of those events, and monitor.connections is its projection (store/connection-store.ts).
import { assertNever, CONNECTION_ID_PATTERN, type ConnectionChange, type ConnectionSnapshot, type ErrorCode, type Flow } from '@lnbx/contracts';
import { timeZoneProblem } from '@lnbx/scheduling';

/** Who did what monitor-api learned from another service rather than from a person. */
export const SYSTEM = 'system';

export const MAX_NAME_LENGTH = 200;
export const MAX_REASON_LENGTH = 500;

/** Every command carries who asks (an API key's name, or SYSTEM) and when. */
interface Who {
  by: string;
  at: string;
}

export type ConnectionCommand = Who &
  (
    | { type: 'Create'; id: string; name: string; timeZone: string; baseCurrency?: string | null }
    | { type: 'Rename'; name: string }
    | { type: 'ChangeTimeZone'; timeZone: string }
    /** `clientId` only to make the hint from: the credentials themselves never reach the aggregate. */
    | { type: 'SetLnbCredentials'; clientId: string }
    | { type: 'RecordXeroConnected'; tenantId: string; organisationName: string | null }
    | { type: 'RecordXeroLost'; tenantId: string | null; organisationName: string | null; reason: string | null }
    | { type: 'RecordXeroDisconnected' }
    | { type: 'RecordMappingChanged' }
    | { type: 'RecordScheduleChanged'; flow: Flow }
    | { type: 'RecordSelectionChanged'; flow: Flow }
    | { type: 'Pause'; reason: string }
    | { type: 'Resume' }
    | { type: 'Remove' }
  );

export type ConnectionEvent = Who &
  (
    | { type: 'ConnectionCreated'; id: string; name: string; timeZone: string; baseCurrency: string | null }
    | { type: 'ConnectionRenamed'; name: string }
    | { type: 'TimeZoneChanged'; timeZone: string }
    | { type: 'LnbCredentialsSet'; hint: string }
    | { type: 'XeroConnected'; tenantId: string; organisationName: string | null }
    | { type: 'XeroLost'; tenantId: string | null; organisationName: string | null; reason: string | null }
    | { type: 'XeroDisconnected' }
    | { type: 'MappingChanged' }
    | { type: 'ScheduleChanged'; flow: Flow }
    | { type: 'SelectionChanged'; flow: Flow }
    | { type: 'ConnectionPaused'; reason: string }
    | { type: 'ConnectionResumed' }
    | { type: 'ConnectionRemoved' }
  );

export type ConnectionEventType = ConnectionEvent['type'];

/** The state of a stream: none yet (version 0), or the connection as its events tell it. */
export type ConnectionState = { version: 0; connection: null } | { version: number; connection: ConnectionSnapshot };

export const NO_CONNECTION: ConnectionState = { version: 0, connection: null };

export type ConnectionRefusal = {
  ok: false;
  code: ErrorCode &
    (
      'CONNECTION.INVALID' | 'CONNECTION.ALREADY_EXISTS' | 'CONNECTION.NOT_FOUND' | 'CONNECTION.REMOVED' | 'CONNECTION.ALREADY_PAUSED' | 'CONNECTION.NOT_PAUSED'
    );
  message: string;
};
/** What a command makes happen: its events (none when it changes nothing), or why it is refused. */
export type ConnectionDecision = { ok: true; events: ConnectionEvent[] } | ConnectionRefusal;

const refuse = (code: ConnectionRefusal['code'], message: string): ConnectionRefusal => ({ ok: false, code, message });
const accept = (...events: ConnectionEvent[]): ConnectionDecision => ({ ok: true, events });

/** The zone as Intl names it (Europe/Paris for europe/paris), or null when it is not an IANA zone. */
export function canonicalTimeZone(zone: string): string | null {
  if (timeZoneProblem(zone) !== null) return null;
  return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
}

/** What a person recognises of a client id without it being shown: its last four characters. */
export const credentialsHint = (clientId: string): string => clientId.slice(-4);

/** Each problem with a connection's values, naming the field; empty when they are fine. */
export function connectionProblems(v: { id?: string; name?: string; timeZone?: string; baseCurrency?: string | null; reason?: string }): string[] {
  const problems: string[] = [];
  if (v.id !== undefined && !CONNECTION_ID_PATTERN.test(v.id))
    problems.push('id must be 2 to 63 lower-case letters, digits and dashes, starting with a letter or a digit');
  if (v.name !== undefined && (v.name.trim() === '' || v.name.length > MAX_NAME_LENGTH)) problems.push(`name must be 1 to ${MAX_NAME_LENGTH} characters`);
  if (v.timeZone !== undefined && canonicalTimeZone(v.timeZone) === null) problems.push('timeZone must be an IANA time zone such as Europe/Paris');
  if (v.baseCurrency !== undefined && v.baseCurrency !== null && !/^[A-Z]{3}$/.test(v.baseCurrency))
    problems.push('baseCurrency must be a three-letter ISO 4217 code such as EUR');
  if (v.reason !== undefined && (v.reason.trim() === '' || v.reason.length > MAX_REASON_LENGTH))
    problems.push(`reason must be 1 to ${MAX_REASON_LENGTH} characters`);
  return problems;
}

/**
 * What a command makes happen on a connection as its stream tells it. A person's change of something that
 * is already so (the same name, the same zone) makes no event; what another service reports is recorded only
 * when it changes what the connection says, and never on a removed connection (nothing of it runs any more).
 */
export function decideConnection(command: ConnectionCommand, state: ConnectionState): ConnectionDecision {
  const { by, at } = command;
  if (command.type === 'Create') {
    if (state.connection) return refuse('CONNECTION.ALREADY_EXISTS', `A connection with the id ${command.id} exists already: choose another id.`);
    const problems = connectionProblems(command);
    if (problems.length) return refuse('CONNECTION.INVALID', `The connection was not created: ${problems.join('; ')}.`);
    return accept({
      type: 'ConnectionCreated',
      id: command.id,
      name: command.name.trim(),
      timeZone: canonicalTimeZone(command.timeZone)!,
      baseCurrency: command.baseCurrency ?? null,
      by,
      at,
    });
  }
  const c = state.connection;
  if (!c) return refuse('CONNECTION.NOT_FOUND', 'There is no such connection.');
  const removed = c.status === 'removed';
  const notOnRemoved = (what: string) => refuse('CONNECTION.REMOVED', `The connection ${c.id} was removed: it cannot be ${what} any more.`);
  switch (command.type) {
    case 'Rename': {
      if (removed) return notOnRemoved('renamed');
      const problems = connectionProblems({ name: command.name });
      if (problems.length) return refuse('CONNECTION.INVALID', `The connection was not renamed: ${problems.join('; ')}.`);
      const name = command.name.trim();
      return name === c.name ? accept() : accept({ type: 'ConnectionRenamed', name, by, at });
    }
    case 'ChangeTimeZone': {
      if (removed) return notOnRemoved('changed');
      const zone = canonicalTimeZone(command.timeZone);
      if (zone === null) return refuse('CONNECTION.INVALID', 'The time zone was not changed: timeZone must be an IANA time zone such as Europe/Paris.');
      return zone === c.timeZone ? accept() : accept({ type: 'TimeZoneChanged', timeZone: zone, by, at });
    }
    case 'SetLnbCredentials':
      if (removed) return notOnRemoved('given LNB credentials');
      return accept({ type: 'LnbCredentialsSet', hint: credentialsHint(command.clientId), by, at });
    case 'RecordXeroConnected': {
      if (removed) return accept();
      const x = c.xero;
      // A person's pick is recorded even when it is the organisation it was connected to before the consent: who chose it is the news.
      const same = by === SYSTEM && x.state === 'connected' && x.tenantId === command.tenantId && x.organisationName === command.organisationName;
      return same ? accept() : accept({ type: 'XeroConnected', tenantId: command.tenantId, organisationName: command.organisationName, by, at });
    }
    case 'RecordXeroLost': {
      if (removed || c.xero.state === 'lost' || c.xero.state === 'disconnected') return accept();
      return accept({ type: 'XeroLost', tenantId: command.tenantId, organisationName: command.organisationName, reason: command.reason, by, at });
    }
    case 'RecordXeroDisconnected':
      if (removed || c.xero.state === 'never' || c.xero.state === 'disconnected') return accept();
      return accept({ type: 'XeroDisconnected', by, at });
    case 'RecordMappingChanged':
      return removed ? accept() : accept({ type: 'MappingChanged', by, at });
    case 'RecordScheduleChanged':
      return removed ? accept() : accept({ type: 'ScheduleChanged', flow: command.flow, by, at });
    case 'RecordSelectionChanged':
      return removed ? accept() : accept({ type: 'SelectionChanged', flow: command.flow, by, at });
    case 'Pause': {
      if (removed) return notOnRemoved('paused');
      if (c.status === 'paused') return refuse('CONNECTION.ALREADY_PAUSED', `The connection ${c.id} is paused already (${c.pausedReason}).`);
      const problems = connectionProblems({ reason: command.reason });
      if (problems.length) return refuse('CONNECTION.INVALID', `The connection was not paused: ${problems.join('; ')}.`);
      return accept({ type: 'ConnectionPaused', reason: command.reason.trim(), by, at });
    }
    case 'Resume':
      if (removed) return notOnRemoved('resumed');
      if (c.status !== 'paused') return refuse('CONNECTION.NOT_PAUSED', `The connection ${c.id} is not paused: there is nothing to resume.`);
      return accept({ type: 'ConnectionResumed', by, at });
    case 'Remove':
      if (removed) return refuse('CONNECTION.REMOVED', `The connection ${c.id} was removed already.`);
      return accept({ type: 'ConnectionRemoved', by, at });
    default:
      return assertNever(command);
  }
}

/** The state after one more event of the stream. */
export function evolveConnection(state: ConnectionState, event: ConnectionEvent): ConnectionState {
  const version = state.version + 1;
  if (event.type === 'ConnectionCreated') {
    return {
      version,
      connection: {
        id: event.id,
        name: event.name,
        timeZone: event.timeZone,
        baseCurrency: event.baseCurrency,
        status: 'active',
        pausedReason: null,
        xero: { state: 'never', tenantId: null, organisationName: null, reason: null },
        lnbCredentials: null,
        mappingChanged: null,
        scheduleChanged: null,
        selectionChanged: null,
        createdAt: event.at,
        createdBy: event.by,
        updatedAt: event.at,
        version,
      },
    };
  }
  const c = state.connection;
  // decide never accepts another event before the creation; a stream that says otherwise is not a connection's.
  if (!c) throw new Error(`a ${event.type} cannot come before the connection was created`);
  const next = (changes: Partial<ConnectionSnapshot>): ConnectionState => ({ version, connection: { ...c, ...changes, updatedAt: event.at, version } });
  const { by, at } = event;
  switch (event.type) {
    case 'ConnectionRenamed':
      return next({ name: event.name });
    case 'TimeZoneChanged':
      return next({ timeZone: event.timeZone });
    case 'LnbCredentialsSet':
      return next({ lnbCredentials: { setAt: at, setBy: by, hint: event.hint } });
    case 'XeroConnected':
      return next({ xero: { state: 'connected', tenantId: event.tenantId, organisationName: event.organisationName, reason: null } });
    case 'XeroLost':
      return next({
        xero: {
          state: 'lost',
          tenantId: event.tenantId ?? c.xero.tenantId,
          organisationName: event.organisationName ?? c.xero.organisationName,
          reason: event.reason,
        },
      });
    case 'XeroDisconnected':
      return next({ xero: { ...c.xero, state: 'disconnected', reason: null } });
    case 'MappingChanged':
      return next({ mappingChanged: { at, by } });
    case 'ScheduleChanged':
      return next({ scheduleChanged: { at, by } });
    case 'SelectionChanged':
      return next({ selectionChanged: { at, by } });
    case 'ConnectionPaused':
      return next({ status: 'paused', pausedReason: event.reason });
    case 'ConnectionResumed':
      return next({ status: 'active', pausedReason: null });
    case 'ConnectionRemoved':
      return next({ status: 'removed', pausedReason: null });
    default:
      return assertNever(event);
  }
}

/** What the published ConnectionChanged says changed. */
export function changeOf(event: ConnectionEvent): ConnectionChange {
  switch (event.type) {
    case 'ConnectionCreated':
      return 'created';
    case 'ConnectionRenamed':
      return 'renamed';
    case 'TimeZoneChanged':
      return 'time_zone_changed';
    case 'LnbCredentialsSet':
      return 'lnb_credentials_set';
    case 'XeroConnected':
      return 'xero_connected';
    case 'XeroLost':
      return 'xero_lost';
    case 'XeroDisconnected':
      return 'xero_disconnected';
    case 'MappingChanged':
      return 'mapping_changed';
    case 'ScheduleChanged':
      return 'schedule_changed';
    case 'SelectionChanged':
      return 'selection_changed';
    case 'ConnectionPaused':
      return 'paused';
    case 'ConnectionResumed':
      return 'resumed';
    case 'ConnectionRemoved':
      return 'removed';
    default:
      return assertNever(event);
  }
}
