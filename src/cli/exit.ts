// Which exit code wins when a command saw several failures (several sources, or API and destination).
import { ExitCode } from '../core/errors.ts';

/** Least to most serious: a config problem outranks an unreachable destination, which outranks the rest. */
const SEVERITY: number[] = [
  ExitCode.ok,
  ExitCode.syncFailed,
  ExitCode.apiRefused,
  ExitCode.destinationUnreachable,
  ExitCode.usage,
];

export function worstExitCode(codes: number[]): number {
  return codes.reduce((a, b) => (SEVERITY.indexOf(b) > SEVERITY.indexOf(a) ? b : a), ExitCode.ok);
}
