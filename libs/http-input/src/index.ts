export * from './json';
export * from './parameters';
export * from './text';
export * from './values';
export * from './path';
