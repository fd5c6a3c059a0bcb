import { describe, expect, it } from 'vitest';
import { MESH_IDS } from '@/patterns/language';
import { FEATURE_IDS } from '@/patterns/language/features';
import { compatibilityOf, compatibleMeshes, MESH_CAPABILITIES } from './capabilities';

describe('declared capabilities', () => {
  it('every mesh declares every feature, and explains every partial or missing one', () => {
    for (const mesh of MESH_IDS) {
      for (const f of FEATURE_IDS) {
        const cap = MESH_CAPABILITIES[mesh][f];
        expect(cap, `${mesh}/${f}`).toBeDefined();
        if (cap.level !== 'full') expect(cap.note, `${mesh}/${f} needs a note`).toBeTruthy();
      }
    }
  });

  it('computes compatibility from the features a pattern uses', () => {
    const faults = compatibilityOf(['traffic-split', 'fault-abort']);
    expect(faults.find((c) => c.mesh === 'istio')?.level).toBe('full');
    expect(faults.find((c) => c.mesh === 'linkerd')).toEqual({ mesh: 'linkerd', level: 'none', partial: [], missing: ['fault-abort'] });
    expect(compatibleMeshes(['rate-limit-local'])).toContain('istio'); // partial still counts
    expect(compatibleMeshes(['rate-limit-local'])).not.toContain('smi');
    expect(compatibleMeshes([])).toEqual([...MESH_IDS]);
  });
});
