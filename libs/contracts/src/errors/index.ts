export * from './catalogue';
export * from './coded-error';
export * from './redact';
export * from './retry';
