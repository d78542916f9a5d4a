/**
 * How a run ended, for the CLI and the Lambda to map (exit code, `ok`): everything done, some
 * of it, none of it, or interrupted (a signal, the Lambda's deadline). `reasons` say why.
 */
export interface RunOutcome {
  status: 'ok' | 'partial' | 'failed' | 'interrupted';
  reasons: string[];
}

export function runOutcome(o: { interrupted: boolean; problems: string[]; done: number }): RunOutcome {
  const reasons = o.problems.filter(Boolean);
  if (o.interrupted) return { status: 'interrupted', reasons: ['interrupted', ...reasons] };
  if (!reasons.length) return { status: 'ok', reasons: [] };
  return { status: o.done > 0 ? 'partial' : 'failed', reasons };
}
