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
  return { passed: false, short: `${failed.length} of ${r.reports.length} failed`, lines };
}
