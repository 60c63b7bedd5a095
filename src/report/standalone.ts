// The standalone report: the same panel as one self-contained HTML file (for sharing and for CI
// artifacts). The webview bundle and its CSS are inlined, the codicon font becomes a data: URL,
// and the data travels as the very messages the extension would send, in a JSON script block the
// bundle reads at start. A CSP in the file forbids every network request.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { graphMessage, resultsMessage, tableMessage } from '../extension/panel/messages';
import type { ModelGraph, RuleVerification, ToWebview, ViewName } from '../shared/protocol';
import type { ModelCheckResult, ModelGraphResult, RunError } from '../shared/workerProtocol';
import { toWire, unrunResult } from '../shared/checkResult';

export interface ReportInput {
  /** Traced graphs per file (runFile task 'graph'). */
  graphs: { file: string; models: ModelGraphResult[]; error?: RunError }[];
  /** Check results per file (runFile task 'check'). */
  results?: { file: string; models: ModelCheckResult[]; error?: RunError }[];
  /** The derivative table's verification (verifyRules()); the table is always included. */
  rules?: RuleVerification[];
  /** The view the report opens on; default 'results' when there are results, else 'graph'. */
  view?: ViewName;
  title?: string;
  /** The folder holding dist/webview and media; found from this module's location by default. */
  assetsRoot?: string;
}

function findAssetsRoot(): string {
  // From dist/ (the CLI bundle) or src/report/ (tests): the first ancestor with dist/webview/main.js.
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'dist', 'webview', 'main.js'))) return dir;
    if (path.dirname(dir) === dir) throw new Error('dist/webview/main.js not found: run the build (node esbuild.mjs) first');
  }
}

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** `</script` inside inlined code or JSON would end the element early. */
const inlineScript = (code: string): string => code.replace(/<\/(script)/gi, '<\\/$1');
const inlineJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

/** A file name shown in model names when the report covers several files. */
const short = (f: string): string => f.split(/[\\/]/).pop() ?? f;

export function reportMessages(input: ReportInput): ToWebview[] {
  const several = new Set([...input.graphs.map((g) => g.file), ...(input.results ?? []).map((r) => r.file)]).size > 1;
  const prefix = (file: string, name: string): string => (several ? `${short(file)}: ${name}` : name);
  const graphModels: ModelGraph[] = [];
  const errors: RunError[] = [];
  for (const g of input.graphs) {
    const msg = graphMessage(g.file, g.models, g.error);
    graphModels.push(...msg.models.map((m) => ({ ...m, name: prefix(g.file, m.name) })));
    // A file that did not run at all still shows up, as a model with its error.
    if (g.error) graphModels.push({ name: prefix(g.file, '(file)'), error: g.error });
    if (g.error) errors.push(g.error);
  }
  const file = input.graphs.length === 1 ? input.graphs[0].file : `${input.graphs.length} files`;
  const messages: ToWebview[] = [{ type: 'graph/didChange', file, models: graphModels }];
  if (input.results?.length) {
    const models = input.results.flatMap((r) => [
      ...resultsMessage(r.file, r.models).models.map((m) => ({ ...m, name: prefix(r.file, m.name) })),
      ...(r.error ? [toWire(unrunResult(prefix(r.file, '(file)'), r.error))] : []),
    ]);
    messages.push({ type: 'results/didChange', file, models });
  }
  messages.push(tableMessage(graphModels));
  if (input.rules) messages.push({ type: 'table/didVerify', results: input.rules });
  messages.push({ type: 'view/show', view: input.view ?? (input.results?.length ? 'results' : 'graph') });
  return messages;
}

export function renderReport(input: ReportInput): string {
  const root = input.assetsRoot ?? findAssetsRoot();
  const read = (...p: string[]): string => fs.readFileSync(path.join(root, ...p), 'utf8');
  const font = fs.readFileSync(path.join(root, 'dist', 'webview', 'codicon.ttf')).toString('base64');
  const codicons = read('dist', 'webview', 'codicon.css').replace(/url\((["']?)\.\/codicon\.ttf[^)"']*\1\)/g, `url("data:font/ttf;base64,${font}")`);
  const nonce = randomBytes(18).toString('base64url');
  const csp = [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src 'nonce-${nonce}'`, 'font-src data:', 'img-src data:'].join('; ');
  const title = input.title ?? `Gradlens report: ${input.graphs.map((g) => short(g.file)).join(', ')}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="generator" content="gradlens">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}" id="vscode-codicon-stylesheet">${codicons}</style>
<style nonce="${nonce}">${read('media', 'gradlens.css')}</style>
</head>
<body>
<script type="application/json" id="gradlens-data">${inlineJson(reportMessages(input))}</script>
<script nonce="${nonce}">${inlineScript(read('dist', 'webview', 'main.js'))}</script>
</body>
</html>
`;
}
