// Summaries of a document's results for the status bar and its tooltip.
import { verdictText } from '../shared/verdict';
import type { DocumentResults } from './ctx';

export interface Summary {
  passed: boolean;
  short: string;
  lines: string[];
}

export function summarize(r: DocumentResults): Summary {
  if (r.failure) return { passed: false, short: 'could not run', lines: [r.failure.message] };
  const failed = r.reports.filter((m) => !m.passed);
  const lines = r.reports.map((m) => `${m.name}: ${verdictText(m)}`);
  if (!r.reports.length) return { passed: true, short: 'no models', lines: ['No defineModel(...) found in this file.'] };
  if (!failed.length) return { passed: true, short: `${r.reports.length} model${r.reports.length > 1 ? 's' : ''} pass`, lines };
  // A model that did not run (a throw, a time limit) did not fail a comparison: the CLI says "could
  // not be checked", the panel "did not run", and the status bar counts it apart.
  const unrun = failed.filter((m) => m.error).length;
  const wrong = failed.length - unrun;
  const parts = [...(wrong ? [`${wrong} of ${r.reports.length} failed`] : []), ...(unrun ? [`${unrun}${wrong ? '' : ` of ${r.reports.length}`} did not run`] : [])];
  return { passed: false, short: parts.join(', '), lines };
}
