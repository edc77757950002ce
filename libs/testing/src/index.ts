export * from './test-platform';
export * from './apps';
