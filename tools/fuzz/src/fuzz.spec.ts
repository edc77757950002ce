import { deflateSync } from 'node:zlib';
import { sameSig } from './fuzz';

const b64 = (b: Buffer) => b.toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');

describe('fuzz sameSig (is an accepted mutation the valid sig spelled differently?)', () => {
  const doc = '{"TLS.ver":"2.0","TLS.identifier":"sigadmin","TLS.sdkappid":1448061816,"TLS.time":1796214490,"TLS.expire":86400,"TLS.sig":"FnaQ5rv8d0Z2tKaUaXUk0v3mFfjHwmSKWOkuSiBEfuY="}';
  // The mutation a CI run drew: its deflate stream differs from ours in bits the inflater ignores.
  const drawn = 'eJwtyV0LwiAUgOH-cq5j6DJzQjdBI1gQYaOPO0Edp6EMt1kQ-fdg2*X7vF*4nlSWbAQJeUZgNTUaGwZ0OHGPjTYew-J60*quQwOSMiYIp4Ly*QzoLUi6LXhOGSvIrPbTYbQgBWdkoR4bkFAGfdnEJAx55kOla32vW5LWvnSv49ur6nZuR4X7gxsfO-j9BXOZMrM_';

  it('same bytes, or other bytes inflating to the same signed document', () => {
    const valid = b64(deflateSync(Buffer.from(doc)));
    expect(sameSig(valid, valid)).toBe(true);
    expect(drawn).not.toBe(valid);
    expect(sameSig(drawn, valid)).toBe(true);
  });

  it('a different document, or one that does not inflate, is not the same sig', () => {
    const valid = b64(deflateSync(Buffer.from(doc)));
    expect(sameSig(b64(deflateSync(Buffer.from(doc.replace('sigadmin', 'sigadmim')))), valid)).toBe(false);
    expect(sameSig(valid.slice(0, -6), valid)).toBe(false);
    expect(sameSig('not base64 at all', valid)).toBe(false);
  });
});
