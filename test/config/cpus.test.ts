// The default worker count follows the container's CPU limit, not only the
// CPUs the affinity mask shows (a 1-CPU limit on a 64-core node is 1 CPU).
import t from 'tap';
import { availableParallelism } from 'node:os';
import { cgroupCpuLimit, usableCpus } from '../../src/config/cpus.ts';

t.test('cgroup v2 cpu.max', async (t) => {
  t.equal(cgroupCpuLimit(t.testdir({ 'cpu.max': '200000 100000\n' })), 2);
  t.equal(cgroupCpuLimit(t.testdir({ 'cpu.max': '150000 100000\n' })), 2, 'a fraction rounds up');
  t.equal(cgroupCpuLimit(t.testdir({ 'cpu.max': '50000 100000\n' })), 1, 'below one CPU is one');
  t.equal(cgroupCpuLimit(t.testdir({ 'cpu.max': 'max 100000\n' })), undefined, 'no quota');
});

t.test('cgroup v1 cfs quota', async (t) => {
  t.equal(cgroupCpuLimit(t.testdir({ cpu: { 'cpu.cfs_quota_us': '300000\n', 'cpu.cfs_period_us': '100000\n' } })), 3);
  t.equal(cgroupCpuLimit(t.testdir({ cpu: { 'cpu.cfs_quota_us': '-1\n', 'cpu.cfs_period_us': '100000\n' } })), undefined, '-1 is no quota');
});

t.test('nothing readable or garbage: no limit', async (t) => {
  t.equal(cgroupCpuLimit(t.testdir({})), undefined);
  t.equal(cgroupCpuLimit(t.testdir({ 'cpu.max': 'garbage' })), undefined);
  t.equal(cgroupCpuLimit(t.testdir({ 'cpu.max': 'abc 100000' })), undefined);
});

t.test('usable CPUs: the smaller of affinity and quota, at least 1', async (t) => {
  t.equal(usableCpus(t.testdir({ 'cpu.max': '100000 100000' })), 1);
  t.equal(usableCpus(t.testdir({ 'cpu.max': '6400000 100000' })), availableParallelism(), 'a quota above the affinity mask changes nothing');
  t.equal(usableCpus(t.testdir({})), availableParallelism());
});
