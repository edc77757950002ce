export * from './test-platform';
export * from './apps';
export * from './ws-client';
export * from './deliveries';
export * from './kafka-groups';
export * from './wait';
export * from './grpc';
export * from './callback-backend';
