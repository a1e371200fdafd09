import { isCodedError, type Problem } from '@lnbx/contracts';
import { isLnbError } from '@lnbx/lnb-client';

/** Why a run failed, in words a finance person can act on, with the stable code beside them. */
export function runProblem(err: unknown): Problem {
  if (isLnbError(err)) {
    const detail = err.message;
    switch (err.code) {
      case 'LNB.AUTH_REFUSED':
        return { code: err.code, severity: 'error', message: `Le New Black refused the connector's credentials; check the client id and secret. (${detail})` };
      case 'LNB.UNAVAILABLE':
        return { code: err.code, severity: 'error', message: `Le New Black could not be reached; nothing was lost, run it again later. (${detail})` };
      case 'LNB.RATE_LIMITED':
        return { code: err.code, severity: 'error', message: `Le New Black asked us to slow down; run it again later. (${detail})` };
      case 'LNB.MALFORMED_RESPONSE':
        return { code: err.code, severity: 'error', message: `Le New Black sent an answer that could not be read; run it again later. (${detail})` };
      default:
        return { code: err.code, severity: 'error', message: detail };
    }
  }
  // Another of ours (the LNB request budget, the event store) keeps its own code.
  if (isCodedError(err)) return { code: err.code, severity: 'error', message: `The run stopped: ${err.message}` };
  return { code: 'POLLER.INTERNAL', severity: 'error', message: `The run stopped on an internal error: ${(err as Error)?.message ?? String(err)}` };
}
