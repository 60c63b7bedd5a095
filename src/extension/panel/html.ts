// The panel's HTML: a shell with a strict CSP and no data in it (data arrives in messages). Pure,
// no `vscode` import, so the browser tests load exactly this page.

export interface PanelHtmlOptions {
  /** webview.cspSource: the origin the webview serves local resources from. */
  cspSource: string;
  nonce: string;
  /** URIs (as strings) of dist/webview/main.js, media/gradlens.css and dist/webview/codicon.css. */
  scriptUri: string;
  styleUri: string;
  codiconsUri: string;
}

/** A fresh nonce per page load: 32 characters from a CSPRNG. */
export function makeNonce(): string {
  const bytes = new Uint8Array(24);
  globalThis.crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('base64').replace(/[+/=]/g, (c) => ({ '+': '-', '/': '_', '=': '' })[c] ?? '');
}

const attr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function csp(o: Pick<PanelHtmlOptions, 'cspSource' | 'nonce'>): string {
  return [
    "default-src 'none'",
    `img-src ${o.cspSource} data:`,
    // Stylesheets from the extension; web components use constructed stylesheets (not style tags).
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
    `font-src ${o.cspSource}`,
    `script-src 'nonce-${o.nonce}'`,
    // The ELK worker script is fetched from the extension and started from a blob: URL.
    `connect-src ${o.cspSource}`,
    'worker-src blob:',
  ].join('; ');
}

export function panelHtml(o: PanelHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp(o))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${attr(o.nonce)}" href="${attr(o.codiconsUri)}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" nonce="${attr(o.nonce)}" href="${attr(o.styleUri)}">
<title>Gradlens</title>
</head>
<body>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>`;
}
