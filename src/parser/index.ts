// The parser's public surface: `findModels(fileName, text)` and the plain data it returns.
export { findModels } from './findModels';
export { oneBased } from './types';
export type * from './types';
