// A model's hand-written backward, read defensively: whatever it returns becomes either one flat
// gradient per parameter or a message that says exactly what is wrong with that entry.
import { noGrad } from '../engine/autograd';
import type { ModelSpec } from '../engine/define';
import { Tensor, fmtShape } from '../engine/tensor';

/** Per parameter: its gradient (a copy) or why there is none. */
export function manualGradients(spec: ModelSpec, names: string[], params: Tensor[], outShape: readonly number[], notes: string[]): (Float64Array | string)[] {
  const all = (msg: string) => names.map(() => msg);
  if (outShape.reduce((a, b) => a * b, 1) !== 1) {
    return all(`backward() must give the gradient of a scalar loss, but forward returns shape ${fmtShape(outShape)}`);
  }
  let rec: unknown;
  try {
    rec = noGrad(() => spec.backward!(spec.inputs, spec.params));
  } catch (e) {
    return all(`backward() threw: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof rec !== 'object' || rec === null || Array.isArray(rec) || rec instanceof Tensor) {
    return all(`backward() must return a record of gradients by parameter name, like { ${names.join(', ')} }; it returned ${describe(rec)}`);
  }
  const record = rec as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => !names.includes(k));
  if (unknown.length) {
    const which = unknown.map((k) => `'${k}'`).join(', ');
    notes.push(`backward() returned ${unknown.length === 1 ? 'a gradient' : 'gradients'} for ${which}, which ${unknown.length === 1 ? 'is not a parameter' : 'are not parameters'}, so ${unknown.length === 1 ? 'it was' : 'they were'} ignored (the parameters are ${names.map((n) => `'${n}'`).join(', ')}; a typo?)`);
  }
  return names.map((name, i) => {
    const g = record[name];
    if (g === undefined) return `backward() returned no gradient for '${name}'`;
    if (!(g instanceof Tensor)) return `backward() returned ${describe(g)} for '${name}', not a tensor`;
    const want = params[i].shape;
    if (g.shape.length !== want.length || g.shape.some((d, j) => d !== want[j])) {
      return `backward() returned shape ${fmtShape(g.shape)} for '${name}', whose shape is ${fmtShape(want)}`;
    }
    return g.data.slice();
  });
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'nothing';
  if (Array.isArray(x)) return 'a plain array';
  if (x instanceof Tensor) return `a single tensor ${fmtShape(x.shape)}`;
  return typeof x;
}
