// The end of every exhaustive switch (the deciders' and evolvers' above all): in contracts because every
// app and lib may import it, the pure domain folders included.

/** A case left out of the switch does not compile; a value outside its type at runtime (unchecked input) throws. */
export function assertNever(value: never): never {
  throw new Error(`unhandled: ${shown(value)}`);
}

function shown(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // A bigint or a cycle: still say what it was.
    return String(value);
  }
}
