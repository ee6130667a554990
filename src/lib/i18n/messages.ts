/** The catalogues live one file per language (messages/id.ts, messages/en.ts); this re-exports both. */
export * from './messages/id';
export * from './messages/en';
