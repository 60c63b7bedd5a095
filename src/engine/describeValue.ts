// What a user's function returned instead of a tensor, in words that say how to fix it. Used by
// every "forward returned … not a tensor" message, so a Promise from an `async forward` or a bare
// number gets advice, not just a typeof.

/** 'a number', 'an object', 'null', 'a plain array', … with the right article. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (isPromiseLike(value)) return 'a Promise';
  if (Array.isArray(value)) return 'a plain array';
  const t = typeof value;
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

function isPromiseLike(value: unknown): boolean {
  return value instanceof Promise || (typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function');
}

/**
 * "<who> returned …": why a return value is not a tensor and what to do about it. `fn` names the
 * function to fix ('forward'); `who` is how the sentence starts (default: `fn`), e.g.
 * "the forward of model 'mlp'", or '' when an error prefix already names it ("forward: returned…").
 */
export function notATensorMessage(fn: string, value: unknown, who = fn): string {
  return `${who} ${reason(fn, value)}`.trimStart();
}

function reason(fn: string, value: unknown): string {
  if (isPromiseLike(value)) return `returned a Promise: make ${fn} synchronous (no async/await)`;
  if (typeof value === 'number') return `returned a number; return a tensor (wrap it with tensor(...))`;
  if (Array.isArray(value)) return `returned a plain array; return a tensor (wrap it with tensor(...))`;
  if (value === undefined) return `returned nothing, not a tensor (is a 'return' missing?)`;
  return `returned ${describeValue(value)}, not a tensor`;
}
