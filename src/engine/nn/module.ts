// The base of every `nn` layer. A module registers its parameters, buffers and sub-modules by
// name, so `parameters()` and `state()` can list them with dotted paths (`fc1.weight`),
// `loadState` can set them by those paths, and the tracer can group the ops of each `forward`
// call under the module's name (see ../scope.ts).
import { type NestedArray, tensor } from '../create';
import { checkOptionNames, nearest } from '../options';
import { withScope } from '../scope';
import { GradlensError, Tensor, fmtShape } from '../tensor';

export interface LoadStateOptions {
  /**
   * true (default): every parameter and buffer must be given, as PyTorch's `load_state_dict`;
   * false: load the ones given and leave the rest as they are.
   */
  strict?: boolean;
}

/** A tensor a module owns, with how it was registered. */
interface Entry {
  tensor: Tensor;
  kind: 'parameter' | 'buffer';
}

export abstract class Module<In = Tensor, Out = Tensor> {
  private readonly ownParams = new Map<string, Tensor>();
  private readonly ownBuffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module<any, any>>();
  /**
   * Training mode (the default) or evaluation mode, set for the whole tree by `train()` and
   * `eval()`. Only layers that behave differently read it: `BatchNorm` normalises by the batch's
   * statistics and updates its running ones in training mode, and uses the running ones in eval.
   */
  training = true;

  /** @param name the scope name of a top-level module; a parent renames each child it registers. */
  constructor(public name: string) {}

  /**
   * Runs the layer inside its scope. Subclasses implement `compute`, so that no subclass can forget
   * the scope and users still write `layer.forward(x)`.
   */
  forward(x: In): Out {
    return withScope(this.name, () => this.compute(x));
  }

  protected abstract compute(x: In): Out;

  /** Registers a trainable tensor under `name` and marks it as needing a gradient. */
  protected param(name: string, t: Tensor): Tensor {
    this.claim(name);
    t.requireGrad();
    t.name = name;
    this.ownParams.set(name, t);
    return t;
  }

  /**
   * Registers a tensor that is state but not trained (BatchNorm's running statistics): it is in
   * `state()` and `loadState`, not in `parameters()`, and gets no gradient.
   */
  protected buffer(name: string, t: Tensor): Tensor {
    this.claim(name);
    t.requireGrad(false);
    t.name = name;
    this.ownBuffers.set(name, t);
    return t;
  }

  /** Registers a sub-module under `name`: it becomes its scope name and its parameters' prefix. */
  protected child<M extends Module<any, any>>(name: string, m: M): M {
    this.claim(name);
    m.name = name;
    // Parameters and buffers carry their full path as their display name, for reports and graphs.
    for (const [path, { tensor: t }] of m.entries()) t.name = `${name}.${path}`;
    this.children.set(name, m);
    return m;
  }

  private claim(name: string): void {
    if (!name || name.includes('.')) throw new GradlensError(this.constructor.name, `invalid parameter or module name '${name}' (no dots, not empty)`);
    if (this.ownParams.has(name) || this.ownBuffers.has(name) || this.children.has(name)) throw new GradlensError(this.constructor.name, `'${name}' is registered twice`);
  }

  /** Every path to a tensor of the tree, own ones first (parameters, then buffers), then each child's; tied tensors under each of their paths. */
  private entries(): [string, Entry][] {
    const out: [string, Entry][] = [];
    const visit = (m: Module<any, any>, prefix: string): void => {
      for (const [name, t] of m.ownParams) out.push([prefix + name, { tensor: t, kind: 'parameter' }]);
      for (const [name, t] of m.ownBuffers) out.push([prefix + name, { tensor: t, kind: 'buffer' }]);
      for (const [name, c] of m.children) visit(c, `${prefix}${name}.`);
    };
    visit(this, '');
    return out;
  }

  /** The entries with each tensor once, under its first path (tied weights are listed once). */
  private uniqueEntries(): [string, Entry][] {
    const seen = new Set<Tensor>();
    return this.entries().filter(([, e]) => !seen.has(e.tensor) && seen.add(e.tensor));
  }

  /**
   * Every parameter by dotted path, own ones first, then each child's in registration order.
   * A tensor shared by two paths (tied weights) is listed once, under its first path.
   */
  parameters(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [path, e] of this.uniqueEntries()) if (e.kind === 'parameter') out[path] = e.tensor;
    return out;
  }

  /** The number of trainable scalars (shared tensors counted once). */
  numParameters(): number {
    return Object.values(this.parameters()).reduce((n, t) => n + t.size, 0);
  }

  /**
   * A snapshot of every parameter and buffer by dotted path (`{ 'fc1.weight': …, 'bn.runningMean': … }`),
   * as PyTorch's `state_dict`: copies, so later training does not change it. `loadState` takes it
   * back, on this module or on another of the same architecture.
   */
  state(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [path, { tensor: t }] of this.uniqueEntries()) out[path] = new Tensor(Float64Array.from(t.data), t.shape.slice());
    return out;
  }

  /**
   * Sets parameters and buffers by dotted path, as PyTorch's `load_state_dict`:
   * `mlp.loadState({ 'fc1.weight': W1, 'fc1.bias': b1, 'fc2.weight': W2, 'fc2.bias': b2 })`.
   * Values are tensors or nested arrays of the parameter's exact shape; they are copied in, so the
   * layer's tensors (and any `params` record that holds them) keep their identity. Everything is
   * checked before anything is written: an unknown path (with the nearest known one suggested), a
   * wrong shape (naming the parameter and both shapes) or, unless `{ strict: false }`, a missing
   * path is an error that leaves the module unchanged. Load before running forward: a tape
   * recorded earlier holds the old values.
   */
  loadState(state: Record<string, Tensor | NestedArray>, opts: LoadStateOptions = {}): this {
    const where = `${this.name}.loadState`;
    checkOptionNames(where, opts, { strict: 1 });
    const strict = opts.strict ?? true;
    if (typeof strict !== 'boolean') throw new GradlensError(where, `strict must be true or false, got ${typeof strict}`);
    if (typeof state !== 'object' || state === null || Array.isArray(state) || state instanceof Tensor) {
      throw new GradlensError(where, `expects a record of tensors by parameter path ({ 'fc1.weight': tensor, … }), got ${Array.isArray(state) ? 'an array' : state instanceof Tensor ? 'a tensor' : state === null ? 'null' : typeof state}`);
    }
    const known = new Map(this.entries());
    const paths = [...known.keys()];
    const writes: { path: string; target: Tensor; value: Tensor }[] = [];
    const givenAt = new Map<Tensor, string>();
    for (const [path, raw] of Object.entries(state)) {
      const entry = known.get(path);
      if (!entry) {
        const guess = nearest(path, paths);
        throw new GradlensError(where, `unknown parameter '${path}'${guess ? ` (did you mean '${guess}'?)` : ''}; ${this.name} has ${paths.join(', ') || 'no parameters'}`);
      }
      const target = entry.tensor;
      const other = givenAt.get(target);
      if (other !== undefined) throw new GradlensError(where, `'${path}' and '${other}' are the same (tied) tensor; give it once`);
      givenAt.set(target, path);
      const value = asValue(where, path, raw);
      if (value.ndim !== target.ndim || value.shape.some((d, i) => d !== target.shape[i])) {
        const transposed = value.ndim === 2 && target.ndim === 2 && value.shape[0] === target.shape[1] && value.shape[1] === target.shape[0];
        throw new GradlensError(where, `${entry.kind} '${path}' has shape ${fmtShape(target.shape)}, but the value given has shape ${fmtShape(value.shape)}${transposed ? ' (its transpose?)' : ''}`);
      }
      writes.push({ path, target, value });
    }
    if (strict) {
      const missing = this.uniqueEntries().filter(([, e]) => !givenAt.has(e.tensor)).map(([path]) => path);
      if (missing.length) throw new GradlensError(where, `missing ${missing.map((p) => `'${p}'`).join(', ')}; give every parameter and buffer, or pass { strict: false } to load only some`);
    }
    for (const { target, value } of writes) target.data.set(value.data);
    return this;
  }

  /** Sets training mode (default) or, with false, evaluation mode on this module and every sub-module. */
  train(on = true): this {
    if (typeof on !== 'boolean') throw new GradlensError(`${this.name}.train`, `expects true or false, got ${typeof on}`);
    const visit = (m: Module<any, any>): void => {
      m.training = on;
      for (const c of m.children.values()) visit(c);
    };
    visit(this);
    return this;
  }

  /** Evaluation mode on this module and every sub-module: `train(false)`. */
  eval(): this {
    return this.train(false);
  }
}

function asValue(where: string, path: string, raw: Tensor | NestedArray): Tensor {
  if (raw instanceof Tensor) return raw;
  if (typeof raw === 'number' || Array.isArray(raw)) {
    try {
      return tensor(raw);
    } catch (e) {
      throw new GradlensError(where, `'${path}': ${(e as Error).message}`);
    }
  }
  throw new GradlensError(where, `'${path}' must be a tensor or a nested array of numbers, got ${raw === undefined ? 'undefined' : raw === null ? 'null' : typeof raw}`);
}
