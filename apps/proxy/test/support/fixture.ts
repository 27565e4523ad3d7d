// The fixture helpers are the package's: one place knows where the LiteLLM document lives and
// which counts it gives on 2026-11-24.
import { FIXED_NOW } from '../../../../packages/models-middleware/test/support/fixture.js';

export {
  EXPECTED,
  FIXED_NOW,
  fixtureBytes,
  fixtureDocument,
} from '../../../../packages/models-middleware/test/support/fixture.js';

/** A clock pinned to {@link FIXED_NOW}: listed counts never depend on today's date. */
export const fixedClock = { now: (): number => FIXED_NOW };
