import { chromium, type Browser } from 'playwright-core';

/** The Chromium the browser tests and the web bench drive (dev/provision.ts puts it in CHROMIUM_PATH). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launches Chromium kept off the (closed) network and out of the sandbox it cannot use as root. */
export function launchChromium(executablePath = process.env.CHROMIUM_PATH ?? CHROMIUM_PATH): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
