import { provisionChromium, ProvisionError } from '../../lib/provision.js';

/**
 * The Chromium the browser tests drive. Global setup provisions one (lib/provision.ts) and puts
 * its path in CHROMIUM_PATH before any test file loads.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export class MissingPrerequisiteError extends Error {
  override name = 'MissingPrerequisiteError';
}

/**
 * Provisions what the suite needs, or fails the whole run at once with the command to run, so a
 * missing browser can never turn into a skipped (or silently passing) browser test.
 */
export async function ensurePrerequisites(): Promise<void> {
  try {
    process.env.CHROMIUM_PATH = await provisionChromium();
  } catch (err) {
    if (err instanceof ProvisionError) throw new MissingPrerequisiteError(err.message);
    throw err;
  }
}
