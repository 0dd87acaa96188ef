export * from './ids.js';
export * from './errors.js';
export * from './limits.js';
export * from './text.js';
export * from './media.js';
export * from './signaling.js';
export * from './api.js';
export * from './audit.js';
