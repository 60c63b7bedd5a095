// What the graph's hover shows about each node beyond its shape: summary statistics of its value
// and the norm of the loss's gradient with respect to it. Only these few numbers travel to the
// extension, never a node's data, so the message stays small however large the tensors are.
import { grad } from '../engine/autograd';
import type { Tensor } from '../engine/tensor';
import type { TracedGraph, ValueStats } from '../shared/workerProtocol';

/** min, max, mean and the population standard deviation; NaN in the data shows as NaN, never hidden. */
export function valueStats(data: ArrayLike<number>): ValueStats | undefined {
  const n = data.length;
  if (n === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let nan = false;
  for (let i = 0; i < n; i++) {
    const x = data[i];
    if (Number.isNaN(x)) nan = true;
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  if (nan) return { min: NaN, max: NaN, mean: NaN, std: NaN };
  const mean = sum / n;
  // Two passes: the one-pass formula loses everything to cancellation when |mean| ≫ std.
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (data[i] - mean) ** 2;
  return { min, max, mean, std: Math.sqrt(sq / n) };
}

export function l2Norm(data: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i] * data[i];
  return Math.sqrt(s);
}

/**
 * Sets `stats` on every node and, when the output is a scalar on the tape, `gradNorm` from one
 * backward pass. Nodes the tape does not reach (constants made inside forward, and what depends
 * only on them) get no gradNorm: the tape holds no path through them to differentiate along.
 */
export function attachNodeValues(graph: TracedGraph, tensors: Map<string, Tensor>, output: Tensor | undefined): void {
  for (const node of graph.nodes) {
    const t = tensors.get(node.id);
    const stats = t ? valueStats(t.data) : undefined;
    if (stats) node.stats = stats;
  }
  if (!output || output.size !== 1 || !output.requiresGrad) return;
  const ids = graph.nodes.map((n) => n.id).filter((id) => tensors.get(id)?.requiresGrad);
  let grads: Tensor[];
  try {
    grads = grad(output, ids.map((id) => tensors.get(id)!));
  } catch {
    // A backward that throws is the check's business to report; the graph just goes without norms.
    return;
  }
  const byId = new Map(ids.map((id, i) => [id, grads[i]]));
  for (const node of graph.nodes) {
    const g = byId.get(node.id);
    if (g) node.gradNorm = l2Norm(g.data);
  }
}
