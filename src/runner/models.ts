// Finds the models a user's file defined and names and places them with the parser, so the CLI,
// the CodeLens and the webview all call a model the same thing (ModelInfo.name: the spec's
// `name: '...'`, else the variable or export it is bound to, else `model@<line>`). Each runtime
// model is matched to its defineModel call by the source position its call stack maps to.
import * as fs from 'node:fs';
import { type Model } from '../engine/define';
import { findModels } from '../parser/findModels';
import type { ModelInfo, ParseResult, SourcePosition } from '../parser/types';
import type { SourceLocation } from '../shared/workerProtocol';
import type { UserFrames } from './userFrames';

export interface NamedModel {
  name: string;
  model: Model;
  /** The defineModel callee (`defineModel`, `gl.defineModel`) in the user's file. */
  loc?: SourceLocation;
  /** The key of the hand-written `backward`, when the parser found one. */
  backwardLoc?: SourceLocation;
  /** The key of `forward`: where a forward that returns no tensor is fixed. */
  forwardLoc?: SourceLocation;
  /** Each parameter's key in a literal `params: { … }`. */
  paramLocs?: Record<string, SourceLocation>;
}

/**
 * The parser's view of each user file, parsed once and only when first asked: the main file from its
 * (maybe unsaved) text, imported ones from disk.
 */
export class ParsedFiles {
  private readonly cache = new Map<string, ParseResult | undefined>();

  constructor(
    private readonly mainFile: string,
    private readonly mainText: string,
  ) {}

  private parsed(file: string): ParseResult | undefined {
    if (this.cache.has(file)) return this.cache.get(file);
    let text: string | undefined = file === this.mainFile ? this.mainText : undefined;
    if (text === undefined) {
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        // Bundled moments ago, gone now: the model keeps its fallback name.
      }
    }
    const result = text === undefined ? undefined : findModels(file, text);
    this.cache.set(file, result);
    return result;
  }

  modelsOf(file: string): ModelInfo[] {
    return this.parsed(file)?.models ?? [];
  }

  /** The `backward` key of the defineOp call at `definedAt`, when the parser found one. */
  opBackwardAt(definedAt: SourceLocation): SourceLocation | undefined {
    const op = innermostAt(this.parsed(definedAt.file)?.ops ?? [], definedAt);
    return op?.backward ? toLocation(definedAt.file, op.backward.nameRange.start) : undefined;
  }

  /**
   * Where the op call whose name a stack frame points at begins: V8 places a call's frame at the
   * callee's name (`mul` of `F.mul(a, b)`), while the editor's diagnostic covers the whole call
   * (diagnostics.ts callRangeAt), so the CLI's column and the Problems panel's agree only when both
   * say where the call starts. Any other position is as it was.
   */
  readonly callStart = (loc: SourceLocation): SourceLocation => {
    const calls = loc.file ? this.parsed(loc.file)?.opCalls : undefined;
    const call = calls?.find((c) => c.nameRange.start.line === loc.line - 1 && c.nameRange.start.character === loc.column - 1);
    return call ? toLocation(loc.file!, call.range.start) : loc;
  };
}

export function nameModels(models: readonly Model[], frames: UserFrames, parsed: ParsedFiles): NamedModel[] {
  const taken = new Set<string>();
  return models.map((model, i) => {
    const site = frames.locate(model.site);
    const info = site ? innermostAt(parsed.modelsOf(site.file), site) : undefined;
    const loc = info && site ? toLocation(site.file, info.calleeRange.start) : site;
    // Without the parser's view (a call it cannot see), the same rule with what the runtime knows.
    const base = info?.name ?? model.spec.name ?? (site ? `model@${site.line}` : `model${i + 1}`);
    // Two models built by one call (in a loop, by a factory) share a name; keep names unique for --model.
    let name = base;
    for (let k = 2; taken.has(name); k++) name = `${base}#${k}`;
    taken.add(name);
    const backward = model.spec.backward && info?.backward && site ? toLocation(site.file, info.backward.nameRange.start) : undefined;
    const forward = info?.forward && site ? toLocation(site.file, info.forward.nameRange.start) : undefined;
    const entries = info?.params?.kind === 'literal' && site ? info.params.entries.filter((e) => e.kind === 'property' || e.kind === 'shorthand') : [];
    const paramLocs = Object.fromEntries(entries.map((e) => [e.name, toLocation(site!.file, e.nameRange.start)]));
    return {
      name,
      model,
      ...(loc ? { loc } : {}),
      ...(backward ? { backwardLoc: backward } : {}),
      ...(forward ? { forwardLoc: forward } : {}),
      ...(entries.length ? { paramLocs } : {}),
    };
  });
}

/** The defineModel (or defineOp) call whose range holds the 1-based position; the innermost when calls nest. */
function innermostAt<T extends { range: ModelInfo['range'] }>(models: readonly T[], at: SourceLocation): T | undefined {
  const line = at.line - 1;
  const character = at.column - 1;
  const before = (a: { line: number; character: number }, b: { line: number; character: number }): boolean =>
    a.line < b.line || (a.line === b.line && a.character <= b.character);
  let best: T | undefined;
  for (const m of models) {
    if (!before(m.range.start, { line, character }) || !before({ line, character }, m.range.end)) continue;
    if (!best || m.range.start.offset >= best.range.start.offset) best = m;
  }
  return best;
}

function toLocation(file: string, pos: SourcePosition): SourceLocation {
  return { file, line: pos.line + 1, column: pos.character + 1 };
}
