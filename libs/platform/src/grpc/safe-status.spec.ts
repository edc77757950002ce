import fc from 'fast-check';
import { safeMetadata, safeMetadataValue, safeStatusDetails, STATUS_DETAILS_MAX_CHARS } from './safe-status';

describe('safeStatusDetails', () => {
  it('makes any string encodable the way grpc-js encodes status details, and bounds it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (s) => {
        const safe = safeStatusDetails(s);
        expect(() => encodeURI(safe)).not.toThrow();
        expect(safe.length).toBeLessThanOrEqual(STATUS_DETAILS_MAX_CHARS + 1);
      }),
      { seed: 17, numRuns: 1000 },
    );
  });

  it('keeps well-formed text as it is', () => {
    expect(safeStatusDetails('unknown MsgType "😀"')).toBe('unknown MsgType "😀"');
  });
});

describe('safeMetadata', () => {
  it('turns any value into one grpc-js accepts as text metadata', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(safeMetadata({ 'meridian-x': s }).get('meridian-x')).toEqual([safeMetadataValue(s)]);
      }),
      { seed: 17, numRuns: 1000 },
    );
  });

  it('refuses keys we would never use, with a clear message', () => {
    expect(() => safeMetadata({ 'Bad Key': 'x' })).toThrow(/invalid gRPC metadata key/);
  });
});
