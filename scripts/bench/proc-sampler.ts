// What a server costs, read from /proc: a cluster's primary does little, its workers the work, so
// every figure is summed over the process and its children.
import { readdirSync, readFileSync } from 'node:fs';

/** Sums a per-process value over a process and its children (a cluster's workers), read from /proc; undefined when the process is gone. */
function sumOverProcessTree(pid: number | undefined, read: (id: number) => { ppid: number; value: number } | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const own = read(pid);
  if (!own) return undefined;
  let total = own.value;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = read(Number(entry));
    if (child?.ppid === pid) total += child.value;
  }
  return total;
}

// A process may end between listing /proc and reading its files.
const readOrUndefined = <T>(read: () => T): T | undefined => {
  try {
    return read();
  } catch {
    return undefined;
  }
};

/** Resident memory of a process and its children, in MiB. */
export function processTreeRssMiB(pid: number | undefined): number | undefined {
  const kib = sumOverProcessTree(pid, (id) => readOrUndefined(() => {
    const status = readFileSync(`/proc/${id}/status`, 'utf8');
    return { ppid: Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]), value: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) };
  }));
  return kib === undefined ? undefined : kib / 1024;
}

/** User + system CPU seconds of a process and its children (a cluster's workers). */
export function processTreeCpuSeconds(pid: number | undefined): number | undefined {
  const ticksPerSecond = 100;
  const ticks = sumOverProcessTree(pid, (id) => readOrUndefined(() => {
    // The command name is in parentheses and may contain spaces: fields are counted after it.
    const fields = readFileSync(`/proc/${id}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return { ppid: Number(fields[1]), value: Number(fields[11]) + Number(fields[12]) };
  }));
  return ticks === undefined ? undefined : ticks / ticksPerSecond;
}
