import fc from 'fast-check';
import { describeTextProblem, findMalformedText, textFault, toWellFormed } from './text';

describe('findMalformedText', () => {
  it('accepts ordinary text, emoji (surrogate pairs), controls and non-characters', () => {
    expect(findMalformedText({ a: ['héllo', '😀', '\n\t', '\uFFFE\uFFFF', '\u202E'], b: { c: 1, d: null } })).toBeUndefined();
  });

  it.each([
    ['a lone high surrogate', '\ud800', 'a lone UTF-16 surrogate'],
    ['a lone low surrogate', 'x\udc00', 'a lone UTF-16 surrogate'],
    ['reversed pair', '\udc00\ud800', 'a lone UTF-16 surrogate'],
    ['NUL', 'a\u0000', 'a NUL character'],
  ])('finds %s and names its path, not its value', (_name, bad, fault) => {
    const problem = findMalformedText({ MsgBody: [{ MsgContent: { Text: bad } }] });
    expect(problem).toEqual({ path: 'body.MsgBody[0].MsgContent.Text', fault });
    expect(describeTextProblem(problem!)).not.toContain(bad);
  });

  it('checks object keys too', () => {
    expect(findMalformedText({ ok: { ['k\ud800']: 1 } })).toEqual({ path: 'a key of body.ok', fault: 'a lone UTF-16 surrogate' });
  });

  it('walks a deeply nested value without recursion', () => {
    let deep: unknown = '\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findMalformedText(deep)?.fault).toBe('a NUL character');
  });

  it('agrees with encodeURI: whatever it accepts without NUL encodes, whatever it refuses for surrogates does not', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (s) => {
        let encodes = true;
        try {
          encodeURI(s);
        } catch {
          encodes = false;
        }
        expect(textFault(s) === 'a lone UTF-16 surrogate').toBe(!encodes);
        expect(() => encodeURI(toWellFormed(s))).not.toThrow();
      }),
      { seed: 17, numRuns: 2000 },
    );
  });
});
