import { existsSync } from 'node:fs';

/** The Chromium the browser tests drive (Debian's package by default). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export class MissingPrerequisiteError extends Error {
  override name = 'MissingPrerequisiteError';
}

/**
 * Fails the whole run at once, with the command to run, when something the suite needs is missing,
 * so a missing browser can never turn into a skipped (or silently passing) browser test.
 */
export function checkPrerequisites(): void {
  if (!existsSync(CHROMIUM_PATH))
    throw new MissingPrerequisiteError(
      `Chromium was not found at ${CHROMIUM_PATH}: the browser tests need it. Install it with \`apt-get install chromium\` or set CHROMIUM_PATH to a Chromium binary.`,
    );
}
