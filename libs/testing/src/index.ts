export * from './env';
export * from './wait-for';
export * from './database';
export * from './spawn-service';
export * from './http';
export * from './connections';
