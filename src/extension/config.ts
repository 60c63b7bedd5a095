// Reads the `gradlens.*` settings, clamping bad values to the defaults rather than failing a run.
import * as vscode from 'vscode';
import { CheckMode, CheckOptions, defaultCheckOptions } from '../gradcheck/types';

export interface GradlensSettings {
  check: CheckOptions;
  timeoutMs: number;
  checkOnSave: boolean;
  livePreview: boolean;
}

const modes: readonly CheckMode[] = ['auto', 'full', 'fast', 'sampled'];

function positive(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
}

export function readSettings(scope?: vscode.Uri): GradlensSettings {
  const c = vscode.workspace.getConfiguration('gradlens', scope);
  const mode = c.get<string>('mode');
  const seed = c.get<number>('seed');
  return {
    check: {
      ...defaultCheckOptions,
      mode: modes.includes(mode as CheckMode) ? (mode as CheckMode) : defaultCheckOptions.mode,
      eps: positive(c.get('eps'), defaultCheckOptions.eps),
      atol: positive(c.get('atol'), defaultCheckOptions.atol),
      rtol: positive(c.get('rtol'), defaultCheckOptions.rtol),
      seed: Number.isInteger(seed) ? (seed as number) : defaultCheckOptions.seed,
      paramBudget: Math.floor(positive(c.get('paramBudget'), defaultCheckOptions.paramBudget)),
    },
    timeoutMs: Math.floor(positive(c.get('timeout'), 30000)),
    checkOnSave: c.get<boolean>('checkOnSave') === true,
    livePreview: c.get<boolean>('livePreview') !== false,
  };
}
