// Routing: which eligible executor gets an execution. Pure: the caller supplies the
// candidates (already filtered for eligibility), their load, and the strategy state.
//
//   round_robin           next candidate after the task's cursor
//   weighted_round_robin  cursor over slots, each candidate holding `weight` slots (3:1 → 3 of 4)
//   random                uniform
//   sticky                the executor it ran on last, while eligible; else round robin
//   least_loaded          lowest running/capacity, then fewest running
//   consistent_hash       rendezvous hash of the task over candidates: stable while they are
//   failover              lowest priority number first, then name: the next only when it is gone
//   broadcast             every candidate (the dispatcher makes one execution per candidate)
import { createHash } from 'node:crypto';
import type { LoadBalanceStrategy } from './task.ts';

export interface Candidate {
  id: string;
  name: string;
  capacity: number;
  running: number;
  weight: number;
  priority: number;
}

export interface RoutingState {
  /** Assignments made so far for this task (round-robin cursor). */
  cursor: number;
  /** The executor a sticky task last ran on. */
  stickyExecutorId: string | null;
  /** What consistent_hash keeps stable (the task id); defaults to ''. */
  hashKey?: string;
}

export function chooseExecutor(strategy: LoadBalanceStrategy, candidates: Candidate[], state: RoutingState, random: () => number = Math.random): Candidate | null {
  if (candidates.length === 0) return null;
  const ordered = [...candidates].sort((a, b) => a.id.localeCompare(b.id));
  const roundRobin = () => ordered[state.cursor % ordered.length]!;
  switch (strategy) {
    case 'random':
      return ordered[Math.min(ordered.length - 1, Math.floor(random() * ordered.length))]!;
    case 'least_loaded':
      return ordered.reduce((best, candidate) => {
        const load = candidate.running / candidate.capacity - best.running / best.capacity;
        return load < 0 || (load === 0 && candidate.running < best.running) ? candidate : best;
      });
    case 'sticky':
      return ordered.find((candidate) => candidate.id === state.stickyExecutorId) ?? roundRobin();
    case 'weighted_round_robin': {
      const total = ordered.reduce((sum, candidate) => sum + Math.max(1, candidate.weight), 0);
      let slot = state.cursor % total;
      for (const candidate of ordered) {
        slot -= Math.max(1, candidate.weight);
        if (slot < 0) return candidate;
      }
      return ordered[0]!;
    }
    case 'consistent_hash':
      return ordered.reduce((best, candidate) => (score(state.hashKey ?? '', candidate.id) > score(state.hashKey ?? '', best.id) ? candidate : best));
    case 'failover':
      return [...ordered].sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name) || a.id.localeCompare(b.id))[0]!;
    case 'round_robin':
    case 'broadcast':
      return roundRobin();
  }
}

/** Rendezvous (highest random weight) hashing: moving one executor moves only its share. */
function score(key: string, executorId: string): number {
  return createHash('sha256').update(`${key}\u0000${executorId}`).digest().readUInt32BE(0);
}

/** True when the executor carries every label the task asks for. */
export function labelsMatch(required: Record<string, string>, offered: Record<string, string>): boolean {
  return Object.entries(required).every(([key, value]) => offered[key] === value);
}
