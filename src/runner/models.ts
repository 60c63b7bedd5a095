// Finds the models a user's file defined and gives each a name a person recognises: its export
// name, else `spec.name`, else the variable it was assigned to (read from the source text around
// the defineModel call), else `model<N>`.
import { type Model, isModel } from '../engine/define';
import type { SourceLocation } from '../shared/workerProtocol';
import type { UserFrames } from './userFrames';

export interface NamedModel {
  name: string;
  model: Model;
  /** The defineModel call in the user's file. */
  loc?: SourceLocation;
}

export function nameModels(models: readonly Model[], moduleExports: unknown, text: string, frames: UserFrames): NamedModel[] {
  const exported = new Map<Model, string>();
  if (moduleExports && typeof moduleExports === 'object') {
    for (const [key, value] of Object.entries(moduleExports)) {
      if (isModel(value) && !exported.has(value)) exported.set(value, key);
    }
  }
  const lines = text.split(/\r?\n/);
  const taken = new Set<string>();
  return models.map((model, i) => {
    const loc = frames.locate(model.site);
    const exportName = exported.get(model);
    const base =
      (exportName !== 'default' ? exportName : undefined) ??
      model.spec.name ??
      (loc ? variableNear(lines, loc.line) : undefined) ??
      exportName ??
      `model${i + 1}`;
    // Two models built in a loop would share a variable name; keep names unique for --model.
    let name = base;
    for (let k = 2; taken.has(name); k++) name = `${base}#${k}`;
    taken.add(name);
    return { name, model, ...(loc ? { loc } : {}) };
  });
}

const ASSIGNED = /(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]*)?=\s*(?:[\w$.]+\.)?defineModel\b/;
const PROPERTY = /([A-Za-z_$][\w$]*)\s*:\s*(?:[\w$.]+\.)?defineModel\b/;
const DANGLING = /(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]*)?=\s*$/;

/** The variable a defineModel call on `line` (1-based) is assigned to, if the text shows one. */
function variableNear(lines: readonly string[], line: number): string | undefined {
  const here = lines[line - 1] ?? '';
  const m = ASSIGNED.exec(here) ?? PROPERTY.exec(here);
  if (m) return m[1];
  // `const model =` on one line and `defineModel({` on the next.
  for (let k = line - 2; k >= Math.max(0, line - 3); k--) {
    const d = DANGLING.exec(lines[k] ?? '');
    if (d) return d[1];
  }
  return undefined;
}
