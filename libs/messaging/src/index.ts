export * from './errors';
export * from './topics';
export * from './access';
export * from './kafka-setup';
export * from './publisher';
export * from './transport';
export * from './event-sourcing.module';
export * from './bootstrap';
