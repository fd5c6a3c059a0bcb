import type { ServiceOptions } from '../types';
import { findVisible, type PatternDetail, toDetail } from './shared';

export interface GetPatternOptions extends ServiceOptions {
  name: string;
}

/** One pattern by name. Public and unlisted: anyone; private: owner and admins; otherwise NOT_FOUND. */
export async function getPattern({ db, actor, name }: GetPatternOptions): Promise<PatternDetail> {
  return toDetail(await findVisible(db, actor, name), actor);
}
