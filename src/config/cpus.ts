// How many CPUs this process may really use. Node's availableParallelism()
// follows the CPU affinity mask only, but a container in Kubernetes is usually
// held by a CFS quota (resources.limits.cpu): 2 threads busy under a 1-CPU
// limit are throttled, not faster. The quota is read from cgroup v2
// (cpu.max: "<quota> <period>" or "max <period>") or v1 (cpu.cfs_quota_us,
// -1 for none, and cpu.cfs_period_us), as seen from inside the container.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/** CPUs the quota allows, rounded up (a 1.5-CPU limit can keep 2 threads half busy); undefined: no quota found. */
export function cgroupCpuLimit(root = '/sys/fs/cgroup'): number | undefined {
  const v2 = read(join(root, 'cpu.max'))?.split(/\s+/);
  if (v2 && v2.length >= 2) return v2[0] === 'max' ? undefined : cpusFrom(Number(v2[0]), Number(v2[1]));
  const quota = read(join(root, 'cpu', 'cpu.cfs_quota_us'));
  const period = read(join(root, 'cpu', 'cpu.cfs_period_us'));
  return quota === undefined || period === undefined ? undefined : cpusFrom(Number(quota), Number(period));
}

/** The smaller of the affinity mask and the cgroup quota, at least 1. */
export function usableCpus(root?: string): number {
  const limit = cgroupCpuLimit(root);
  return Math.max(1, Math.min(availableParallelism(), limit ?? Infinity));
}

function cpusFrom(quota: number, period: number): number | undefined {
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return undefined;
  return Math.max(1, Math.ceil(quota / period));
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}
