import { z } from 'zod';

const PERCENT = 'must be a whole percentage between 0 and 100';

/** A stage's win probability. */
export const zProbability = z.number(PERCENT).int(PERCENT).min(0, PERCENT).max(100, PERCENT);
