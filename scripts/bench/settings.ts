// What the environment asks of a run. Every variable is read here, once, so that the header of the
// report (which repeats the settings) and the run itself cannot disagree.

/** Seconds of load before each measured run, not counted: JIT, connection pools, caches. */
export const WARMUP_SECONDS = 1;

export interface Settings {
  durationSeconds: number;
  connections: number;
  /** Workers of the cluster run (MongoDB). */
  workers: number;
  /** Measured runs per server and scenario, visiting the servers in turn. */
  rounds: number;
  /** BENCH_SCENARIOS: the scenarios to run, by words of their names ("es256,opaque,people"); all when empty. */
  only: string[];
}

export function settingsFromEnvironment(): Settings {
  return {
    durationSeconds: positiveIntegerFromEnv('BENCH_DURATION', 5),
    connections: positiveIntegerFromEnv('BENCH_CONNECTIONS', 50),
    workers: positiveIntegerFromEnv('BENCH_WORKERS', 2),
    rounds: positiveIntegerFromEnv('BENCH_ROUNDS', 3),
    only: (process.env.BENCH_SCENARIOS ?? '').toLowerCase().split(',').map((word) => word.trim()).filter(Boolean),
  };
}

/** Whether a scenario (or the people table, "people") is among those BENCH_SCENARIOS asks for. */
export function selected(settings: Settings, name: string): boolean {
  return settings.only.length === 0 || settings.only.some((word) => name.toLowerCase().includes(word));
}

export function positiveIntegerFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[1-9]\d*$/.test(raw)) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return Number(raw);
}
