export * from './schedule';
export * from './selection';
