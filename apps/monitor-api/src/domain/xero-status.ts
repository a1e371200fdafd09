// Reads the exporter's GET /connections/status answer, whatever of the likely shapes it takes, as
// connected or not, so the monitor can tell when the Xero connection is lost.

/** true/false when the answer says; null when it says nothing we recognise. */
export function isConnected(body: unknown): boolean | null {
  if (typeof body !== 'object' || body === null) return null;
  const o = body as Record<string, unknown>;
  if (typeof o.connected === 'boolean') return o.connected;
  if (typeof o.status === 'string') return o.status.toLowerCase() === 'connected';
  const list = Array.isArray(body) ? body : Array.isArray(o.connections) ? o.connections : null;
  if (list) {
    const states = list.map(isConnected).filter((x): x is boolean => x !== null);
    return states.length ? states.some(Boolean) : list.length === 0 ? false : null;
  }
  return null;
}

/** A connection-lost notice is due on the change from connected to not connected only. */
export const connectionLost = (before: boolean | null, now: boolean | null): boolean => before === true && now === false;
