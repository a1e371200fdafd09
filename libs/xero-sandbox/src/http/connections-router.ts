// Xero's /connections: the organisations a token reaches, and disconnecting one.
import Router from 'router';
import { NOT_FOUND_TEXT } from '../accounting';
import type { SandboxContext } from '../context';
import { decodeComponent } from '@lnbx/http-input';
import { arrival, header, notFound, onlyGet, problem, ROUTER_OPTIONS, send } from './io';

const CONNECTION_PATH = /^\/connections\/[^/]+$/;

export function connectionsRouter(ctx: SandboxContext): Router.Router {
  const { identity } = ctx;
  const router = Router(ROUTER_OPTIONS);

  router.get('/connections', onlyGet, (req, res) => {
    const list = identity.connections(header(req, 'authorization'), arrival(req).url.searchParams.get('authEventId') ?? undefined);
    if (Array.isArray(list)) send(res, 200, list);
    else send(res, 401, problem(401, list.ok ? 'AuthenticationUnsuccessful' : list.detail));
  });

  // A pattern without a :param: the router would decode one while matching any method. A malformed
  // escape is kept as written: no connection has that id, so it is not found (or the token is refused).
  router.delete(CONNECTION_PATH, (req, res) => {
    const raw = arrival(req).url.pathname.slice('/connections/'.length);
    const connectionId = decodeComponent(raw) ?? raw;
    const r = identity.disconnect(header(req, 'authorization'), connectionId);
    ctx.identityChanged();
    if (r === 'ok') send(res, 204, '');
    else if (r === 'unauthorized') send(res, 401, problem(401, 'AuthenticationUnsuccessful'));
    else send(res, 404, NOT_FOUND_TEXT);
  });

  // As for /identity: not found here, so the router never answers OPTIONS on its own.
  router.use('/connections', notFound);
  return router;
}
