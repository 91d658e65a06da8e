// Side-by-side timing: candidates run in alternating rounds so that noise from a shared machine hits all of
// them alike; each result is the median of its rounds.
import { performance } from "node:perf_hooks";

export interface Candidate {
  name: string;
  /** One operation; the return value is kept so the work cannot be optimised away. */
  run: () => unknown;
}

export interface Result {
  name: string;
  opsPerSec: number;
}

let sink: unknown;

function round(candidate: Candidate, ms: number): number {
  const { run } = candidate;
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 1000; i++) sink = run();
    ops += 1000;
    now = performance.now();
  }
  return (ops / (now - start)) * 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

export function compare(candidates: Candidate[], { rounds = 9, roundMs = 150 } = {}): Result[] {
  for (const c of candidates) round(c, roundMs); // warm-up: let the JIT settle
  const samples = candidates.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [i, c] of candidates.entries()) samples[i]?.push(round(c, roundMs));
  }
  void sink;
  return candidates.map((c, i) => ({ name: c.name, opsPerSec: median(samples[i] ?? []) }));
}

export function formatOps(ops: number): string {
  return `${(ops / 1e6).toFixed(2)} M ops/s`;
}
