import { throwError } from 'rxjs';
import { guardRequestErrors, unhandledRequestErrors } from './bootstrap';

describe(guardRequestErrors.name, () => {
  it('keeps an error thrown inside a subscriber callback (as grpc-js once did answering a call) from ending the process', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    guardRequestErrors('group');
    const before = unhandledRequestErrors;
    // Nest's gRPC server answers from the error callback; a throw there is reported by rxjs from
    // a timer, which without the guard is an uncaught exception (jest fails the test on it).
    throwError(() => new Error('handler failed')).subscribe({
      error: () => {
        throw new URIError('URI malformed');
      },
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(unhandledRequestErrors).toBe(before + 1);
    expect(String(stderr.mock.calls.at(-1)?.[0])).toContain('URI malformed');
    stderr.mockRestore();
  });
});
