// Routing: which eligible executor gets an execution. Pure: the caller supplies the
// candidates (already filtered for eligibility), their load, and the cursor state.
import type { LoadBalanceStrategy } from './task.ts';

export interface Candidate {
  id: string;
  capacity: number;
  running: number;
  weight: number;
}

export interface RoutingState {
  /** Round-robin cursor per task (count of assignments so far). */
  cursor: number;
  /** The executor a sticky task last ran on. */
  stickyExecutorId: string | null;
}

export function chooseExecutor(
  strategy: LoadBalanceStrategy,
  candidates: Candidate[],
  state: RoutingState,
  random: () => number = Math.random,
): Candidate | null {
  if (candidates.length === 0) return null;
  const ordered = [...candidates].sort((a, b) => a.id.localeCompare(b.id));
  switch (strategy) {
    case 'random':
      return ordered[Math.floor(random() * ordered.length)]!;
    case 'least_loaded':
      return ordered.reduce((best, candidate) => (candidate.running / candidate.capacity < best.running / best.capacity ? candidate : best));
    case 'sticky':
      return ordered.find((candidate) => candidate.id === state.stickyExecutorId) ?? ordered[state.cursor % ordered.length]!;
    case 'weighted_round_robin': {
      const total = ordered.reduce((sum, candidate) => sum + Math.max(1, candidate.weight), 0);
      let slot = state.cursor % total;
      for (const candidate of ordered) {
        slot -= Math.max(1, candidate.weight);
        if (slot < 0) return candidate;
      }
      return ordered[0]!;
    }
    case 'failover':
      return ordered[0]!;
    default:
      return ordered[state.cursor % ordered.length]!;
  }
}

/** True when the executor carries every label the task asks for. */
export function labelsMatch(required: Record<string, string>, offered: Record<string, string>): boolean {
  return Object.entries(required).every(([key, value]) => offered[key] === value);
}
