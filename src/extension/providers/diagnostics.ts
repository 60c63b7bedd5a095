// Check results → Problems panel. Each diagnostic sits on the exact range of what is wrong:
// a failing parameter on its entry in `params`, a failing custom op on its `backward`, a failing
// hand-written model backward on it, a runtime error on its line. A parameter's message ends with
// how it was judged (method, noise floor, the deciding signal), as the CLI and the panel show it.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelInfo, ParseResult } from '../../parser';
import type { ModelCheckResult, RunError } from '../../shared/workerProtocol';
import { describeBlame, fmtIndex, fmtNum, fmtPair, judgedText, referenceWord, throughWrongOps, throughWrongOpsText } from '../../shared/verdict';
import { type LinesOf, containsLoc, lineRangeAt, toRange } from '../ranges';

const SOURCE = 'gradlens';

export function diagnosticsFor(doc: LinesOf, parse: ParseResult, reports: readonly ModelCheckResult[], failure?: RunError): vscode.Diagnostic[] {
  // A file that does not parse did not run: "the check ran this code with types ignored" would be
  // untrue, and its syntax errors are the one diagnostic below (and TypeScript's own).
  const out: vscode.Diagnostic[] = failure?.kind === 'syntax' ? [] : typeWarnings(parse);
  if (failure) out.push(errorDiagnostic(doc, failure, parse));
  for (const r of reports) {
    const model = parse.models.find((m) => m.name === r.name || m.bindingName === r.name || m.exportNames.includes(r.name));
    if (r.error) {
      out.push(errorDiagnostic(doc, r.error, parse, model));
      continue;
    }
    if (r.order === 2) {
      out.push(...secondOrderDiagnostics(doc, parse, r, model));
      continue;
    }
    // Many rows spoiled by one wrong custom op: one problem for them, on the first, beside the op's own.
    const viaOps = throughWrongOps(r.params, r.ops);
    if (viaOps.length) {
      const w = viaOps[0];
      const first = w.worst ? ` The first, ${w.name}${fmtIndex(w.worst.index)}: autograd ${pairText(w.worst, referenceWord('param', w.method))} (max abs err ${fmtNum(w.maxAbsError)}).` : '';
      const text = throughWrongOpsText(viaOps.map((c) => c.name));
      out.push(tag(new vscode.Diagnostic(paramRange(doc, model, w.name), `${r.name}: ${text.charAt(0).toUpperCase()}${text.slice(1)} (its own problem is at the op).${first}`, vscode.DiagnosticSeverity.Error), 'param'));
    }
    for (const p of r.params) {
      if (p.passed || !p.worst || viaOps.includes(p)) continue;
      const d = new vscode.Diagnostic(
        paramRange(doc, model, p.name),
        `${r.name}: gradient of ${p.name} is wrong at ${p.name}${fmtIndex(p.worst.index)}: autograd ${pairText(p.worst, referenceWord('param', p.method))} (max abs err ${fmtNum(p.maxAbsError)}${p.maxAbsAt ? ` at ${p.name}${fmtIndex(p.maxAbsAt)}` : ''}, max rel err ${fmtNum(p.maxRelError)}). ${judged(p)}.`,
        vscode.DiagnosticSeverity.Error,
      );
      out.push(tag(d, 'param'));
    }
    // Parameters whose mistake is located at the same call (W1 and b1 of one slip) tell its long
    // explanation once; the others point to it.
    const explained = new Map<string, string>();
    for (const m of r.manual ?? []) {
      if (m.passed || !m.worst) continue;
      // The located mistake when there is one, else the backward itself.
      const blamed = m.blameLoc && inFile(doc, m.blameLoc.file) ? callRangeAt(doc, parse, m.blameLoc) : undefined;
      const range = blamed ?? (model?.backward ? toRange(model.backward.nameRange) : r.backwardLoc ? lineRangeAt(doc, r.backwardLoc) : modelRange(doc, model));
      // The explanation names its parameter ("the gradient of W"): compared without the name.
      const key = blamed && m.blame ? `${m.blameLoc!.line}:${m.blameLoc!.column}:${m.blame.message.split(m.name).join('\u0000')}` : undefined;
      const first = key && explained.get(key);
      if (key && !first) explained.set(key, m.name);
      const why = !key ? '' : first ? ` The same mistake as ${first}'s, explained there.` : ` ${m.blame!.message}`;
      const d = new vscode.Diagnostic(
        range,
        `${r.name}: hand-written backward is wrong for ${m.name}${fmtIndex(m.worst.index)}: backward gives ${pairText(m.worst, referenceWord('manual', m.method), ',')} (max abs err ${fmtNum(m.maxAbsError)}${m.maxAbsAt ? ` at ${m.name}${fmtIndex(m.maxAbsAt)}` : ''}). ${judged(m)}.${why}`,
        vscode.DiagnosticSeverity.Error,
      );
      if (blamed && model?.backward) d.relatedInformation = [new vscode.DiagnosticRelatedInformation(new vscode.Location(doc.uri, toRange(model.backward.nameRange)), 'the hand-written backward')];
      out.push(tag(d, 'manual'));
    }
    for (const o of r.ops) {
      if (o.passed || !o.worst) continue;
      const info = parse.ops.find((op) => (o.definedAt && containsLoc(op.range, o.definedAt)) || op.name === o.name);
      // At the line of the mistake in its backward when it was located, as for a model's backward.
      const blamed = o.blameLoc && o.blame && inFile(doc, o.blameLoc.file) ? callRangeAt(doc, parse, o.blameLoc) : undefined;
      const range = blamed ?? (info?.backward ? toRange(info.backward.nameRange) : o.definedAt ? lineRangeAt(doc, o.definedAt) : modelRange(doc, model));
      const d = new vscode.Diagnostic(
        range,
        `custom op ${o.name}${o.loc ? ` (called at line ${o.loc.line})` : ''}: backward is wrong (${describeBlame({ kind: 'op', name: o.name, index: o.worst.index, analytic: o.worst.analytic, numeric: o.worst.numeric, maxAbsError: o.maxAbsError, maxRelError: o.maxRelError, reference: referenceWord('op', o.method) })}, input ${o.worst.input}).${judgedText(o) ? ` ${judged(o)}.` : ''}${o.blame && o.blameLoc ? ` ${o.blame.message}` : ''}`,
        vscode.DiagnosticSeverity.Error,
      );
      // A mistake in an op defined in another file (an imported module) is told here too, with its place there, as the CLI tells it.
      const elsewhere = o.blame && o.blameLoc && !blamed ? new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(o.blameLoc.file), new vscode.Position(Math.max(0, o.blameLoc.line - 1), Math.max(0, o.blameLoc.column - 1))), "where the op's backward goes wrong") : undefined;
      const related = [o.loc && new vscode.DiagnosticRelatedInformation(new vscode.Location(doc.uri, lineRangeAt(doc, o.loc)), 'the call where the error is largest'), blamed && info?.backward && new vscode.DiagnosticRelatedInformation(new vscode.Location(doc.uri, toRange(info.backward.nameRange)), "the op's hand-written backward"), elsewhere];
      if (related.some(Boolean)) d.relatedInformation = related.filter((r): r is vscode.DiagnosticRelatedInformation => !!r);
      out.push(tag(d, 'op'));
    }
  }
  return out;
}

/**
 * A second-order check's problems: H·v of a parameter (on its declaration), the hand-written rule
 * (on the backward), and each op whose backward is not differentiated right (on its call).
 */
function secondOrderDiagnostics(doc: LinesOf, parse: ParseResult, r: ModelCheckResult, model: ModelInfo | undefined): vscode.Diagnostic[] {
  const out: vscode.Diagnostic[] = [];
  const worst = (c: { worst: { index: number[]; analytic: number; numeric: number } | null; maxAbsError: number; error?: string }, name: string) =>
    c.worst ? `at ${name}${fmtIndex(c.worst.index)}: ${fmtNum(c.worst.analytic)} vs differences of the gradient ${fmtNum(c.worst.numeric)} (max abs err ${fmtNum(c.maxAbsError)})` : (c.error ?? 'not compared');
  for (const p of r.params.filter((c) => !c.passed)) {
    out.push(tag(new vscode.Diagnostic(paramRange(doc, model, p.name), `${r.name}: second order: H·v by double backward is wrong ${worst(p, p.name)}.`, vscode.DiagnosticSeverity.Error), 'param'));
  }
  for (const m of (r.manual ?? []).filter((c) => !c.passed)) {
    const range = model?.backward ? toRange(model.backward.nameRange) : modelRange(doc, model);
    out.push(tag(new vscode.Diagnostic(range, `${r.name}: second order: the hand-written rule for ${m.name} is wrong ${worst(m, m.name)}.`, vscode.DiagnosticSeverity.Error), 'manual'));
  }
  for (const o of r.ops.filter((c) => !c.passed)) {
    const range = o.loc && inFile(doc, o.loc.file) ? callRangeAt(doc, parse, o.loc) : modelRange(doc, model);
    const what = o.worst ? `argument ${o.worst.input}${fmtIndex(o.worst.index)}: double backward ${fmtNum(o.worst.analytic)} vs differences ${fmtNum(o.worst.numeric)}` : (o.error ?? 'not compared');
    out.push(tag(new vscode.Diagnostic(range, `op ${o.name}: second order: its backward is not differentiated right (${what}).`, vscode.DiagnosticSeverity.Error), 'op'));
  }
  return out;
}

/** "Full numeric check, noise floor 3e-10, decided by the tolerance". */
function judged(c: Parameters<typeof judgedText>[0]): string {
  const text = judgedText(c);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The file's TypeScript errors (a type-checked parse), as warnings: the model was bundled with its
 * types stripped, so the check ran the code as written, which may not be the model meant.
 */
function typeWarnings(parse: ParseResult): vscode.Diagnostic[] {
  return (parse.typeErrors ?? []).map((e) => {
    const d = new vscode.Diagnostic(toRange(e.range), `TypeScript error TS${e.code}: ${e.message} The check ran this code as written, with types ignored.`, vscode.DiagnosticSeverity.Warning);
    return tag(d, 'type-error');
  });
}

/** "0.02083 vs numeric 0.02081" (or with `joint` ","): the two values as fmtPair tells them apart. */
function pairText(w: { analytic: number; numeric: number }, reference: string, joint = ' vs'): string {
  const [a, n] = fmtPair(w.analytic, w.numeric);
  return `${a}${joint} ${reference} ${n}`;
}

function tag(d: vscode.Diagnostic, code: string): vscode.Diagnostic {
  d.source = SOURCE;
  d.code = code;
  return d;
}

/**
 * The innermost `F.<op>(…)` call at a location (a runtime position points at its start, as the CLI
 * prints it), else from the position to the end of its line (a throw, a syntax error: where the CLI
 * and TypeScript point), else the line.
 */
function callRangeAt(doc: LinesOf, parse: ParseResult, loc: { line?: number; column?: number }, exact = false): vscode.Range {
  if (loc.line && loc.column) {
    const at = { file: doc.fileName, line: loc.line, column: loc.column };
    const calls = exact ? [] : parse.opCalls.filter((c) => containsLoc(c.range, at));
    const innermost = calls.sort((a, b) => b.range.start.offset - a.range.start.offset)[0];
    if (innermost) return toRange(innermost.range);
    if (loc.line <= doc.lineCount) {
      const line = doc.lineAt(loc.line - 1);
      const from = Math.min(loc.column - 1, line.range.end.character);
      return new vscode.Range(line.lineNumber, from, line.lineNumber, line.range.end.character);
    }
  }
  return lineRangeAt(doc, loc);
}

function modelRange(doc: LinesOf, model: ModelInfo | undefined): vscode.Range {
  return model ? toRange(model.calleeRange) : lineRangeAt(doc, { line: 1 });
}

/** The param's entry in a literal `params: {…}`; for `nn` names like `fc1.weight`, the `fc1` entry. */
function paramRange(doc: LinesOf, model: ModelInfo | undefined, name: string): vscode.Range {
  if (model?.params?.kind === 'literal') {
    const entries = model.params.entries;
    const exact = entries.find((e) => e.name === name) ?? entries.find((e) => e.name === name.split('.')[0]);
    if (exact) return toRange(exact.nameRange);
  }
  if (model?.params) return toRange(model.params.range);
  return modelRange(doc, model);
}

function errorDiagnostic(doc: LinesOf, err: RunError, parse: ParseResult, model?: ModelInfo): vscode.Diagnostic {
  const inThisFile = inFile(doc, err.file);
  // A syntax error sits at its own position, not on the call around it (TypeScript's own squiggle is there too).
  const range = err.line && inThisFile ? callRangeAt(doc, parse, err, err.kind === 'syntax') : modelRange(doc, model ?? parse.models[0]);
  const where = !inThisFile && err.file ? ` (in ${err.file}:${err.line ?? '?'}:${err.column ?? '?'})` : '';
  const d = new vscode.Diagnostic(range, `${err.message}${where}`, err.kind === 'nan' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error);
  return tag(d, err.kind);
}

/**
 * A runner location is in this document: the same path once resolved (an untitled buffer's name,
 * "Untitled-1", reaches the runner relative and comes back resolved; a blame on it was placed on
 * the backward instead of its line), or no file at all.
 */
function inFile(doc: LinesOf, file: string | undefined): boolean {
  return !file || path.resolve(file) === path.resolve(doc.fileName);
}
