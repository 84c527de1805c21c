import { join } from 'node:path';

/**
 * The built bundles the bench measures: a copy of dist/ that bench/run.mjs makes before the
 * run (the worktree is shared, and a rebuild elsewhere empties dist/ for a while).
 */
export const DIST = join(process.cwd(), 'bench/.tmp/dist-snapshot');

/** A `dist/...` path of size-budget.json, in the copy. */
export const inDist = (path: string) => join(DIST, path.replace(/^dist\//, ''));
