import { provisionChromium, ProvisionError } from '../../dev/provision.js';

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
