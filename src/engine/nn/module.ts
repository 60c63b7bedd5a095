// The base of every `nn` layer. A module registers its parameters and sub-modules by name, so
// `parameters()` can list them with dotted paths (`fc1.weight`) and the tracer can group the ops of
// each `forward` call under the module's name (see ../scope.ts).
import { withScope } from '../scope';
import { GradlensError, Tensor } from '../tensor';

export abstract class Module<In = Tensor, Out = Tensor> {
  private readonly ownParams = new Map<string, Tensor>();
  private readonly children = new Map<string, Module<any, any>>();

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

  /** Registers a sub-module under `name`: it becomes its scope name and its parameters' prefix. */
  protected child<M extends Module<any, any>>(name: string, m: M): M {
    this.claim(name);
    m.name = name;
    // Parameters carry their full path as their display name, for reports and graphs.
    for (const [path, t] of Object.entries(m.parameters())) t.name = `${name}.${path}`;
    this.children.set(name, m);
    return m;
  }

  private claim(name: string): void {
    if (!name || name.includes('.')) throw new GradlensError(this.constructor.name, `invalid parameter or module name '${name}' (no dots, not empty)`);
    if (this.ownParams.has(name) || this.children.has(name)) throw new GradlensError(this.constructor.name, `'${name}' is registered twice`);
  }

  /**
   * Every parameter by dotted path, own ones first, then each child's in registration order.
   * A tensor shared by two paths (tied weights) is listed once, under its first path.
   */
  parameters(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    const seen = new Set<Tensor>();
    const visit = (m: Module<any, any>, prefix: string): void => {
      for (const [name, t] of m.ownParams) {
        if (seen.has(t)) continue;
        seen.add(t);
        out[prefix + name] = t;
      }
      for (const [name, c] of m.children) visit(c, `${prefix}${name}.`);
    };
    visit(this, '');
    return out;
  }

  /** The number of trainable scalars (shared tensors counted once). */
  numParameters(): number {
    return Object.values(this.parameters()).reduce((n, t) => n + t.size, 0);
  }
}
