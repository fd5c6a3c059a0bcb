/** The load generators by id: the built-in one, and wrk, fortio and nighthawk when installed. */
import type { TGeneratorId, TLoadGenerator } from '../types';
import { builtinGenerator } from './builtin';
import { fortioGenerator } from './fortio';
import { nighthawkGenerator } from './nighthawk';
import { wrkGenerator } from './wrk';

export const GENERATORS: Record<TGeneratorId, TLoadGenerator> = {
  builtin: builtinGenerator,
  wrk: wrkGenerator,
  fortio: fortioGenerator,
  nighthawk: nighthawkGenerator,
};

export function getGenerator(id: TGeneratorId): TLoadGenerator {
  return GENERATORS[id];
}
