// The derivative table's rows: the identities of this folder plus every registry op's own entry,
// so the table and the editor's hovers read the same `latex` of the same registry entry.
import '../engine/F';
import { registry } from '../engine/registry';
import type { TableRule } from '../shared/protocol';
import { identities } from './identities';

export function identityRows(): TableRule[] {
  return identities.map(({ instance: _instance, ...row }) => row);
}

export function opRows(): TableRule[] {
  // A backward op (the kernel of another op's VJP) is no rule of its own: its op's card shows the VJP.
  return [...registry.values()].filter((def) => !def.backwardOf).map((def) => ({
    id: `op.${def.name}`,
    group: 'ops' as const,
    title: `${def.name} (${def.family})`,
    forward: def.latex.forward,
    grads: [...def.latex.grads],
    ...(def.latex.shapes ? { shapes: def.latex.shapes } : {}),
    ops: [def.name],
    summary: def.summary,
  }));
}

export function tableRules(): TableRule[] {
  return [...identityRows(), ...opRows()];
}
