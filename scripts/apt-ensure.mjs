// Installs Debian packages with apt-get for the project's own scripts (ensure-chromium, -openssh, -postgres): only on a
// Debian/Ubuntu machine, only as root; otherwise it explains what to run and exits 1.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

export function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `apt-get update && apt-get install -y --no-install-recommends <packages>`, or exit 1 with what to do. */
export function aptInstall(what, packages, otherwise) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (!hasApt) {
    console.error(`${what}: not found and apt-get is unavailable. ${otherwise}`);
    process.exit(1);
  }
  if (!isRoot) {
    console.error(
      `${what}: not found. Install it with:\n  sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}\n(${otherwise})`,
    );
    process.exit(1);
  }
  console.log(
    `${what}: not found; installing the Debian packages (apt-get install -y ${packages.join(' ')})…`,
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
      stdio: 'inherit',
      env,
    });
  } catch (err) {
    console.error(`${what}: apt-get failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
