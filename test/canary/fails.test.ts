import { expect, it } from 'vitest';

// The guard's canary: `npm run test:guard` runs this file under each vitest config and requires a
// non-zero exit. It proves that a failing test can fail `npm test` (see scripts/test-guard.ts).
it('fails on purpose', () => {
  expect(1).toBe(2);
});
