import { fileURLToPath } from 'node:url';

/** Absolute path of the POSIX sh hook script shipped with this package (`hooks/flightdeck-hook.sh`). */
export const HOOK_SCRIPT_PATH: string = fileURLToPath(
  new URL('../hooks/flightdeck-hook.sh', import.meta.url),
);

/** The line of the hook script that holds the default spool directory; installers may rewrite its value. */
export const HOOK_SCRIPT_SPOOL_DEFAULT_VAR = 'FD_SPOOL_DEFAULT';
