// A TypeScript server plugin (contributes.typescriptServerPlugins in the extension's manifest):
// where a model file's `import ... from 'gradlens'` resolves to nothing (no typings installed in
// the workspace), it resolves to the declarations the extension ships (dist/types), so model files
// type-check and complete the moment they open and nothing is written into the workspace. A
// resolution the workspace provides itself (Set Up Typings, a real install) is left as it is.
// The TS server loads this by package name from the extension's node_modules, so it is plain
// CommonJS, and finds the declarations two folders up: <extension>/node_modules/<this>/ → <extension>/dist/types.
'use strict';
const path = require('node:path');

const MODULE = 'gradlens';

/** The shipped declaration file for `gradlens` or `gradlens/<sub>`, or undefined for other modules. */
function declarationsFor(name, typesDir) {
  if (name === MODULE) return path.join(typesDir, 'index.d.ts');
  if (name.startsWith(`${MODULE}/`)) return path.join(typesDir, `${name.slice(MODULE.length + 1)}.d.ts`);
  return undefined;
}

function init(modules) {
  const ts = modules.typescript;
  return {
    create(info) {
      const typesDir = (info.config && info.config.typesDir) || path.resolve(__dirname, '..', '..', 'dist', 'types');
      const host = info.languageServiceHost;
      const log = (s) => info.project.projectService.logger.info(`[gradlens] ${s}`);
      const fallback = (name) => {
        const file = declarationsFor(name, typesDir);
        return file && ts.sys.fileExists(file) ? { resolvedFileName: file, extension: ts.Extension.Dts, isExternalLibraryImport: true } : undefined;
      };
      if (host.resolveModuleNameLiterals) {
        const original = host.resolveModuleNameLiterals.bind(host);
        host.resolveModuleNameLiterals = (literals, containingFile, ...rest) =>
          original(literals, containingFile, ...rest).map((r, i) => {
            if (r.resolvedModule) return r;
            const resolvedModule = fallback(literals[i].text);
            return resolvedModule ? { ...r, resolvedModule } : r;
          });
      } else if (host.resolveModuleNames) {
        const original = host.resolveModuleNames.bind(host);
        host.resolveModuleNames = (names, containingFile, ...rest) => original(names, containingFile, ...rest).map((r, i) => r || fallback(names[i]));
      }
      log(`resolving '${MODULE}' to ${typesDir} where the workspace does not`);
      return info.languageService;
    },
  };
}

module.exports = init;
