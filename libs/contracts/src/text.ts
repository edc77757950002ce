/**
 * Text every store and transport can carry. JSON lets a client send strings that are not
 * well-formed Unicode (`"\ud800"`, a lone surrogate) and NUL (`"\u0000"`): grpc-js cannot put a
 * lone surrogate into a status message (encodeURI throws), UTF-8 encoders silently replace it, and
 * the PostgreSQL-backed store refuses NUL. The edge refuses such input before any service sees it.
 */

/** Why a string was refused; never the string itself (it is the attacker's). */
export type TextFault = 'a lone UTF-16 surrogate' | 'a NUL character';

export interface TextProblem {
  /** Where in the value, e.g. `MsgBody[0].MsgContent.Text` or `a key of MsgBody[0]`. */
  path: string;
  fault: TextFault;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The first fault of one string, or undefined when it is fine. */
export function textFault(s: string): TextFault | undefined {
  if (s.includes('\u0000')) return 'a NUL character';
  if (LONE_SURROGATE.test(s)) return 'a lone UTF-16 surrogate';
  return undefined;
}

/** Replaces lone surrogates with U+FFFD, so the result always encodes (as String#toWellFormed). */
export function toWellFormed(s: string): string {
  return LONE_SURROGATE.test(s) ? s.replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD') : s;
}

/**
 * The first string (value or object key) in a parsed JSON value that is not well-formed text.
 * Iterative, so a deeply nested body cannot exhaust the stack.
 */
export function findMalformedText(value: unknown, root = 'body'): TextProblem | undefined {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const fault = textFault(v);
      if (fault) return { path, fault };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (typeof v === 'object' && v !== null) {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i]!;
        const fault = textFault(k);
        if (fault) return { path: `a key of ${path}`, fault };
        // A key that is itself fine is safe to name (it is short enough to be a field name).
        stack.push([(v as Record<string, unknown>)[k], k.length <= 64 ? `${path}.${k}` : `${path}.<key>`]);
      }
    }
  }
  return undefined;
}

/** A sentence for an error answer: names the place and the fault, never the input. */
export function describeTextProblem(p: TextProblem): string {
  return `${p.path} contains ${p.fault}; send well-formed UTF-8 text without NUL`;
}
