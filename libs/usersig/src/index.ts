export { UserSigError, UserSigErrorCodes, type UserSigErrorCode } from './errors';
export { MAX_INFLATED_BYTES, MAX_USERSIG_LENGTH } from './codec';
export {
  decodeUserSig,
  signedContent,
  verifyUserSig,
  type ExpectedUserSig,
  type UserSigClaims,
  type UserSigKeys,
  type UserSigVersion,
} from './usersig';
export { genUserSig, type GenUserSigOptions } from './v2';
export { genUserSigV1, type GenUserSigV1Options } from './v1';
export { VerifiedSigCache, type VerifiedSigCacheOptions } from './cache';
