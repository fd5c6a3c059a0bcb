/** The pattern services: all database work on patterns. Each takes one options object with `db` and `actor`. */
export { listPatterns, type ListPatternsOptions } from './list-patterns';
export { getPattern, type GetPatternOptions } from './get-pattern';
export { createPattern, type CreatePatternOptions } from './create-pattern';
export { updatePattern, type UpdatePatternOptions } from './update-pattern';
export { forkPattern, type ForkPatternOptions } from './fork-pattern';
export { deletePattern, type DeletePatternOptions } from './delete-pattern';
export { listRevisions, type ListRevisionsOptions, type RevisionEntry } from './list-revisions';
export { revertPattern, type RevertPatternOptions } from './revert-pattern';
export { seedCatalog, type SeedCatalogOptions, type SeedCatalogResult, type SeedFileError } from './seed-catalog';
export { type PatternDetail, type PatternSource, type PatternSummary, type Visibility, VISIBILITIES } from './shared';
export { refreshDerivedColumns } from './refresh-derived';
export { searchCatalog, CATALOG_SORTS, type CatalogEntry, type CatalogQuery, type CatalogResult, type CatalogSort, type FacetValue } from './search-catalog';
