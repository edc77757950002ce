export * from './leniency';
export * as tencentFields from './fields';
export { emptyBodySchema, ownedByService, parseTencent } from './fields';
export * from './accounts';
export * from './push';
export * from './recentcontact';
export * from './config';
export * from './profile';
export * from './groups';
