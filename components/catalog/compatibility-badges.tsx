import type { TMeshId } from '@/patterns/language';
import { MESH_SHORT_TITLES } from '@/patterns/language/meshes';
import type { TCapabilityLevel } from '@/server/adapters/capability';

const WORD: Record<TCapabilityLevel, string> = { full: 'full support', partial: 'partial support', none: 'not supported' };
const MARK: Record<TCapabilityLevel, string> = { full: '✓', partial: '◐', none: '✕' };

/** One small badge per mesh: full ✓, partial ◐, none ✕ — each with a text label for screen readers. */
export function CompatibilityBadges({ compatibility, detail }: { compatibility: { mesh: TMeshId; level: TCapabilityLevel; partial?: string[]; missing?: string[] }[]; detail?: boolean }) {
  return (
    <ul className="compat" aria-label="Mesh compatibility" data-testid="compatibility">
      {compatibility.map((c) => {
        const why = [...(c.missing?.length ? [`missing: ${c.missing.join(', ')}`] : []), ...(c.partial?.length ? [`partial: ${c.partial.join(', ')}`] : [])].join('; ');
        const label = `${MESH_SHORT_TITLES[c.mesh]}: ${WORD[c.level]}${why ? ` (${why})` : ''}`;
        return (
          <li key={c.mesh} className={`compat-badge level-${c.level}`} title={label} aria-label={label} data-mesh={c.mesh} data-level={c.level}>
            <span aria-hidden="true">{MARK[c.level]} </span>
            {MESH_SHORT_TITLES[c.mesh]}
            {detail && why ? <span className="compat-why"> — {why}</span> : null}
          </li>
        );
      })}
    </ul>
  );
}
