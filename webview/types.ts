// The protocol's types as the webview uses them (one import path for the views).
export type * from '../src/shared/protocol';
export type { RunError as RunErrorLike, SourceLocation } from '../src/shared/workerProtocol';
export type { CheckMode } from '../src/gradcheck/types';
