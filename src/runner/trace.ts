// Records a model's computation graph during one forward pass, as plain serialisable data:
// every op application seen by the tape's observer becomes a node, with the user's source line
// that called it and the module scope (nn layer path) it ran in.
import { withOpObserver } from '../engine/autograd';
import type { Tensor } from '../engine/tensor';
import type { GraphGroup, GraphNode, GraphNodeKind, TracedGraph } from '../shared/workerProtocol';
import type { UserFrames } from './userFrames';

export interface TraceOptions {
  inputs: Record<string, Tensor>;
  params: Record<string, Tensor>;
  frames: UserFrames;
  /** The current module path (engine/scope.ts), when the engine has one. */
  scope?: () => string[];
}

export interface TraceResult<T> {
  graph: TracedGraph;
  /** The tensor behind each node id, for the node's value statistics and gradient (nodeValues.ts). */
  tensors: Map<string, Tensor>;
  /** What fn returned, or the error it threw (the partial graph is still useful). */
  value?: T;
  error?: unknown;
}

export function traceGraph<T>(opts: TraceOptions, fn: () => T): TraceResult<T> {
  const nodes: GraphNode[] = [];
  const edges: TracedGraph['edges'] = [];
  const groups = new Map<string, GraphGroup>();
  const nodeOf = new Map<number, GraphNode>();
  const tensors = new Map<string, Tensor>();

  const addLeaf = (t: Tensor, kind: GraphNodeKind, name?: string, constant?: boolean): GraphNode => {
    const node: GraphNode = { id: `n${nodes.length}`, kind, shape: [...t.shape] };
    if (name !== undefined) node.name = name;
    if (constant) node.constant = true;
    nodes.push(node);
    nodeOf.set(t.id, node);
    tensors.set(node.id, t);
    return node;
  };
  for (const [name, t] of Object.entries(opts.inputs)) addLeaf(t, 'input', name);
  for (const [name, t] of Object.entries(opts.params)) addLeaf(t, 'param', name);

  const groupFor = (): string | undefined => {
    const path = opts.scope?.() ?? [];
    if (path.length === 0) return undefined;
    for (let i = 1; i <= path.length; i++) {
      const id = path.slice(0, i).join('/');
      if (!groups.has(id)) groups.set(id, { id, label: path[i - 1], ...(i > 1 ? { parent: path.slice(0, i - 1).join('/') } : {}) });
    }
    return path.join('/');
  };

  const result: TraceResult<T> = { graph: { nodes, edges, groups: [] }, tensors };
  try {
    result.value = withOpObserver((op, inputs, out) => {
      const ins = inputs.map((x) => nodeOf.get(x.id) ?? addLeaf(x, 'input', constantName(x), true));
      const node: GraphNode = { id: `n${nodes.length}`, kind: 'intermediate', op: op.name, shape: [...out.shape] };
      const loc = opts.frames.here();
      if (loc) node.loc = loc;
      const group = groupFor();
      if (group) node.group = group;
      nodes.push(node);
      nodeOf.set(out.id, node);
      tensors.set(node.id, out);
      for (const src of ins) edges.push({ from: src.id, to: node.id, shape: [...src.shape] });
    }, fn);
  } catch (err) {
    result.error = err;
  }
  const out = result.value as unknown;
  if (out && typeof out === 'object' && 'id' in out) {
    const node = nodeOf.get((out as Tensor).id);
    if (node && node.kind === 'intermediate') node.kind = 'output';
  }
  result.graph.groups = [...groups.values()];
  return result;
}

/** A constant made inside forward: show a scalar's value, otherwise just 'const'. */
function constantName(t: Tensor): string {
  return t.size === 1 ? String(Number(t.data[0].toPrecision(4))) : 'const';
}
