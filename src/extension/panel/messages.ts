// Turns runner results into the webview's messages. Pure (no `vscode`): the panel, the standalone
// report and the fixture generator for the browser tests all build messages here.
import type { ModelCheckResult, ModelGraphResult, RunError } from '../../shared/workerProtocol';
import type { GraphDidChange, ModelGraph, ResultsDidChange, TableDidChange } from '../../shared/protocol';
import { toWire } from '../../shared/checkResult';
import { tableRules } from '../../rules/catalog';

export function toModelGraph(m: ModelGraphResult): ModelGraph {
  return { name: m.name, ...(m.loc ? { loc: m.loc } : {}), ...(m.graph ? { graph: m.graph } : {}), ...(m.error ? { error: m.error } : {}) };
}

export function graphMessage(file: string, models: ModelGraphResult[], error?: RunError): GraphDidChange {
  return { type: 'graph/didChange', file, models: models.map(toModelGraph), ...(error ? { error } : {}) };
}

/** A file's results for the panel: whole, with non-finite figures named (postMessage is JSON). */
export function resultsMessage(file: string, models: ModelCheckResult[], error?: RunError, notice?: string): ResultsDidChange {
  return { type: 'results/didChange', file, models: models.map(toWire), ...(error ? { error } : {}), ...(notice ? { notice } : {}) };
}

/** What the results view says above results that edits have overtaken (during the run, or since). */
export const EDITED_SINCE_RUN = 'The file was edited after this check started: these results are for the version that ran. Check again to include the edits.';

/** The ops a file's graphs use, so the table can highlight their rules. */
export function usedOps(models: readonly ModelGraph[]): string[] {
  const ops = new Set<string>();
  for (const m of models) for (const n of m.graph?.nodes ?? []) if (n.op) ops.add(n.op);
  return [...ops].sort();
}

export function tableMessage(graphs: readonly ModelGraph[]): TableDidChange {
  return { type: 'table/didChange', rules: tableRules(), usedOps: usedOps(graphs) };
}
