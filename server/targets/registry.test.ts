import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getTarget, sandboxRoot, setTargetForTesting } from './registry';
import type { TTarget } from './types';

// The environment is read once per process, on first use: set it before anything reads it.
const dir = mkdtempSync(join(tmpdir(), 'meshloom-registry-'));
process.env.MESHLOOM_SANDBOX_DIR = join(dir, 'sandbox');
delete process.env.MESHLOOM_KUBECONFIG;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('target registry', () => {
  it('creates each target once per process, lazily', async () => {
    const a = await getTarget('sandbox');
    expect(a.id).toBe('sandbox');
    expect(a.meshes).toEqual(['haproxy']);
    expect(await getTarget('sandbox')).toBe(a);
    expect(sandboxRoot()).toBe(join(dir, 'sandbox'));
  });

  it('says why Kubernetes is unavailable without a kubeconfig, and refuses to run anything there', async () => {
    const k = await getTarget('kubernetes');
    expect(k.id).toBe('kubernetes');
    expect(k.meshes).not.toContain('haproxy');
    expect(k.meshes).toContain('istio');
    expect(await k.available()).toEqual({ ok: false, reason: expect.stringContaining('MESHLOOM_KUBECONFIG') });
    const r = await k.apply({ deployment: 'x', mesh: 'istio', pattern: {} as never });
    expect([r.ok, r.error?.code]).toEqual([false, 'ML7001']);
    await expect(k.status({ deployment: 'x', mesh: 'istio' })).rejects.toMatchObject({ code: 'ML7001' });
  });

  it('lets tests replace a target and restore the real one', async () => {
    const real = await getTarget('sandbox');
    const fake = { id: 'sandbox' } as TTarget;
    setTargetForTesting('sandbox', fake);
    expect(await getTarget('sandbox')).toBe(fake);
    setTargetForTesting('sandbox', null);
    expect(await getTarget('sandbox')).toBe(real);
  });
});
