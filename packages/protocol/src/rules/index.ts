// Rules both sides need (design-review §3 problem 6): the server is the only enforcer; the client
// reads the same rules only to show, hide or grey out controls, so the two cannot disagree.
export * from './roles.js';
export * from './permissions.js';
export * from './entry.js';
export * from './files.js';
