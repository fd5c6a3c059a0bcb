import type { TFeature } from '@/patterns/language/features';

/** How well a mesh expresses one pattern feature. */
export type TCapabilityLevel = 'full' | 'partial' | 'none';

export interface TCapability {
  level: TCapabilityLevel;
  /** Why it is partial or none, and what the adapter does instead (shown in the matrix). */
  note?: string;
}

/** One declaration per feature; `satisfies TCapabilities` makes a forgotten feature a type error. */
export type TCapabilities = Record<TFeature, TCapability>;

export const full = (note?: string): TCapability => (note ? { level: 'full', note } : { level: 'full' });
export const partial = (note: string): TCapability => ({ level: 'partial', note });
export const none = (note: string): TCapability => ({ level: 'none', note });
