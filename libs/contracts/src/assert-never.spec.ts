import { assertNever } from './assert-never';

describe('assertNever', () => {
  type Shape = { kind: 'circle' } | { kind: 'square' };
  const area = (s: Shape): string => {
    switch (s.kind) {
      case 'circle':
        return 'round';
      case 'square':
        return 'flat';
      default:
        return assertNever(s);
    }
  };

  it('throws, naming the value, when a value outside the type reaches the end of the switch', () => {
    expect(area({ kind: 'square' })).toBe('flat');
    expect(() => area({ kind: 'triangle' } as unknown as Shape)).toThrow('unhandled: {"kind":"triangle"}');
    expect(() => assertNever(undefined as never)).toThrow('unhandled: undefined');
    expect(() => assertNever(10n as never)).toThrow('unhandled: 10');
  });
});
