import { ErrorCode, GrpcStatus, MeridianError, grpcStatusFor, isTransientCode } from './errors';

describe(MeridianError.name, () => {
  it('keeps its Tencent code and a default message', () => {
    const err = new MeridianError(ErrorCode.REQUIRES_ADMIN);
    expect(err.code).toBe(60010);
    expect(err.message).toBe('this request requires an app admin');
    expect(MeridianError.is(err)).toBe(true);
    expect(MeridianError.is(new Error('x'))).toBe(false);
  });

  it('tells transient failures (worth a retry) from refusals', () => {
    expect(isTransientCode(ErrorCode.INTERNAL)).toBe(true);
    expect(isTransientCode(ErrorCode.INTERNAL_TIMEOUT)).toBe(true);
    expect(isTransientCode(ErrorCode.APP_NOT_FOUND)).toBe(false);
    expect(isTransientCode(ErrorCode.MSG_ELEMENT_INVALID)).toBe(false);
  });

  it('maps codes onto gRPC statuses by family', () => {
    expect(grpcStatusFor(ErrorCode.USERSIG_EXPIRED)).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(grpcStatusFor(ErrorCode.REST_RATE_LIMITED)).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(grpcStatusFor(ErrorCode.INTERNAL_TIMEOUT)).toBe(GrpcStatus.DEADLINE_EXCEEDED);
    expect(grpcStatusFor(ErrorCode.REQUIRES_ADMIN)).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(grpcStatusFor(ErrorCode.MSG_BODY_TOO_LONG)).toBe(GrpcStatus.FAILED_PRECONDITION);
  });
});
