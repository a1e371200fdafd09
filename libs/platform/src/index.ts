export * from './config';
export * from './service-config';
export * from './kafka-client';
export * from './logger';
export * from './metrics';
export * from './health';
export * from './platform.module';
