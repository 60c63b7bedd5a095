import { runMocha } from '../mochaRunner';

export function run(): Promise<void> {
  return runMocha(__dirname, 'vscode-vsix');
}
