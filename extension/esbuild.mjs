// Bundles src/extension.ts and its dependencies (the MCP SDK) into dist/extension.js, the
// one file the .vsix ships; `vscode` is provided by the editor.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/extension.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  outfile: 'dist/extension.js',
  sourcemap: true,
  logLevel: 'warning',
});
