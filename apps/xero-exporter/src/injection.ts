export const EXPORTER_CONFIG = Symbol('EXPORTER_CONFIG');
