import { applyAliases, lenient, withoutNulls } from './leniency';

describe('withoutNulls', () => {
  it('drops null keys at any depth of objects and keeps null array items', () => {
    expect(withoutNulls({ a: null, b: 1, c: { d: null, e: [null, { f: null, g: 'x' }] } })).toEqual({ b: 1, c: { e: [null, { g: 'x' }] } });
  });

  it('answers the same object when it holds no null key (no copy on the hot path)', () => {
    const body = { a: 1, b: [{ c: 'x' }], d: [null] };
    expect(withoutNulls(body)).toBe(body);
  });

  it('keeps a __proto__ key an own key of the copy', () => {
    const body = JSON.parse('{"__proto__": {"x": 1}, "y": null}') as Record<string, unknown>;
    const out = withoutNulls(body) as Record<string, unknown>;
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});

describe('applyAliases', () => {
  it('reads an old name as the current one and drops it', () => {
    expect(applyAliases({ Identifier: 'a' }, { Identifier: 'UserID' })).toEqual({ UserID: 'a' });
  });

  it('lets the current name win when both are sent', () => {
    expect(applyAliases({ Identifier: 'a', UserID: 'b' }, { Identifier: 'UserID' })).toEqual({ UserID: 'b' });
  });

  it('leaves the body untouched without aliases or old names', () => {
    const body = { UserID: 'b' };
    expect(applyAliases(body, undefined)).toBe(body);
    expect(applyAliases(body, { Identifier: 'UserID' })).toBe(body);
  });
});

describe('lenient', () => {
  it('drops nulls before aliases, so a null current name lets the old one through', () => {
    expect(lenient({ Type: null, type: 1 }, { type: 'Type' })).toEqual({ Type: 1 });
  });
});
