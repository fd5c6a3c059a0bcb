// Process measurements from /proc: CPU time and memory of a process group while it works.
import { describe, expect, it } from 'vitest';
import { canMeasureProcesses, machineInfo, processGroup, startSampler } from './resources';

describe.skipIf(!canMeasureProcesses())('the /proc sampler', () => {
  it('measures the CPU time and resident memory a process uses while sampled', async () => {
    const sampler = startSampler([{ name: 'self', pids: () => [process.pid] }], 50);
    const until = performance.now() + 400;
    while (performance.now() < until) {
      /* busy: ~0.4 s of CPU */
    }
    await new Promise((r) => setTimeout(r, 60));
    const u = sampler.stop().self!;
    expect(u.cpuSeconds).toBeGreaterThan(0.2);
    expect(u.cpuMcores).toBeGreaterThan(300);
    expect(u.memMb).toBeGreaterThan(10);
    expect(u.processes).toBe(1);
    expect(u.maxThreads).toBeGreaterThanOrEqual(1);
  });

  it('finds a process group (here: none for a pid that does not exist)', () => {
    expect(processGroup(2 ** 22 + 12345)).toEqual([]);
  });

  it('describes the machine', () => {
    const m = machineInfo();
    expect(m.cores).toBeGreaterThan(0);
    expect(m.memMb).toBeGreaterThan(100);
    expect(m.kernel).not.toBe('');
  });
});
