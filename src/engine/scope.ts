// The module scope: a stack of layer names that `nn` modules push while their forward runs, so the
// runner's tracer can read `currentScope()` for each op it sees and group graph nodes by layer.

const stack: string[] = [];

/** Runs `fn` with `name` pushed on the scope path; the path is restored even if `fn` throws. */
export function withScope<T>(name: string, fn: () => T): T {
  stack.push(name);
  try {
    return fn();
  } finally {
    stack.pop();
  }
}

/** The current path, outermost first, e.g. ['encoder', 'fc1']; a copy, safe to keep. */
export function currentScope(): string[] {
  return stack.slice();
}
