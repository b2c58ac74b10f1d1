#!/usr/bin/env node
// Makes sure OpenSSH (client and server) exists for the SSH terminal tests: they start their own `sshd` on a loopback
// port and connect with `ssh`. On a fresh Debian/Ubuntu machine, running as root, it installs `openssh-client` and
// `openssh-server` with apt-get (a no-op when both are present); otherwise it explains what to do and fails.
//
//   node scripts/ensure-openssh.mjs            # exit 0 when ssh, ssh-keygen, ssh-keyscan and sshd are available
import { spawnSync } from 'node:child_process';
import { aptInstall, isExecutable } from './apt-ensure.mjs';

const NEEDED = ['/usr/bin/ssh', '/usr/bin/ssh-keygen', '/usr/bin/ssh-keyscan', '/usr/sbin/sshd'];
const missing = () => NEEDED.filter((p) => !isExecutable(p));

function report() {
  const r = spawnSync('/usr/bin/ssh', ['-V'], { encoding: 'utf8', timeout: 20_000 });
  console.log(`openssh: ${(r.stderr || r.stdout).trim()}`);
  process.exit(0);
}

if (missing().length === 0) report();
aptInstall('openssh', ['openssh-client', 'openssh-server'], `Missing: ${missing().join(', ')}.`);
if (missing().length > 0) {
  console.error(`openssh: the packages installed but ${missing().join(', ')} is still missing.`);
  process.exit(1);
}
report();
