export * from './services';
export * from './topics';
export * from './errors';
export * from './identifiers';
export * from './messages';
export * from './callbacks';
export * from './text';
export * from './offline-push-info';
