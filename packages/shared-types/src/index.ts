export * from './domain.js';
export * from './envelope.js';
