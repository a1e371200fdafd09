// The Integration Center: a plain page and one script, served without a key (they hold no data; the
// page asks for a key and sends it with each API call). No CDN: everything comes from here.
import { CONFIG } from '@lnbx/platform';
import { Controller, Get, Header, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Caller, Principal, Public } from '../auth/auth';
import { MonitorConfig } from '../config';

/** The assets by name: a Map, so a name like `constructor` or `__proto__` is unknown, not Object.prototype's. */
const ASSET_TYPES: ReadonlyMap<string, string> = new Map([
  ['app.js', 'text/javascript; charset=utf-8'],
  ['style.css', 'text/css; charset=utf-8'],
]);
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Beside the sources (apps/monitor-api/public), from the sources or from dist/, unless MONITOR_PUBLIC_DIR says. */
export function publicDir(configured?: string): string {
  const candidates = [
    configured,
    path.resolve(__dirname, '../../public'),
    path.resolve(__dirname, '../../../../../apps/monitor-api/public'),
    path.resolve(process.cwd(), 'apps/monitor-api/public'),
  ];
  const found = candidates.find((c): c is string => Boolean(c) && existsSync(path.join(c as string, 'index.html')));
  if (!found) throw new Error(`the Integration Center's files (index.html) are in none of: ${candidates.filter(Boolean).join(', ')}; set MONITOR_PUBLIC_DIR`);
  return found;
}

@ApiExcludeController()
@Controller()
export class IntegrationCenterController {
  private readonly files: Map<string, string>;

  constructor(@Inject(CONFIG) config: MonitorConfig) {
    const dir = publicDir(config.publicDir);
    this.files = new Map(['index.html', ...ASSET_TYPES.keys()].map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
  }

  @Get()
  @Public()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Referrer-Policy', 'no-referrer')
  @Header('Cache-Control', 'no-cache')
  page(): string {
    return this.files.get('index.html')!;
  }

  @Get('assets/:file')
  @Public()
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  asset(@Param('file') file: string, @Res({ passthrough: true }) res: { setHeader(name: string, value: string): void }): string {
    const type = ASSET_TYPES.get(file);
    const body = this.files.get(file);
    if (type === undefined || body === undefined) throw new NotFoundException('There is no such asset.');
    res.setHeader('Content-Type', type);
    return body;
  }
}

/** Who the key belongs to: the page shows it and hides what the role may not do. */
@Controller('api/me')
export class MeController {
  @Get()
  me(@Caller() who: Principal): Principal {
    return who;
  }
}
