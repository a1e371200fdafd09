// The Integration Center's assets: the two files it has, and a 404 for any other name, those of
// Object.prototype's members included (they used to answer 200 with a function as the Content-Type).
import { NotFoundException } from '@nestjs/common';
import type { MonitorConfig } from '../config';
import { IntegrationCenterController } from './integration-center.controller';

describe('GET /assets/:file', () => {
  const controller = new IntegrationCenterController({} as MonitorConfig);

  const serve = (file: string): { type: string | undefined; body: string } => {
    let type: string | undefined;
    const body = controller.asset(file, { setHeader: (name, value) => (type = name === 'Content-Type' ? value : type) });
    return { type, body };
  };

  it('serves the page script and style sheet with their types', () => {
    const script = serve('app.js');
    expect(script.type).toBe('text/javascript; charset=utf-8');
    expect(script.body.length).toBeGreaterThan(0);
    expect(serve('style.css').type).toBe('text/css; charset=utf-8');
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'index.html', 'app.js.map', '', '../config.ts'])(
    'answers 404 for %j, without a Content-Type or a body',
    (file) => {
      const setHeader = jest.fn();
      expect(() => controller.asset(file, { setHeader })).toThrow(NotFoundException);
      expect(setHeader).not.toHaveBeenCalled();
    },
  );
});
