/**
 * Several "machines" on this one, for fleet tests: Linux network namespaces made by the test (`ip netns`), a
 * central one and one per host, each host joined to the central one by a veth pair on a subnet of its own
 * (10.<n>.<i>.1 central side, 10.<n>.<i>.2 host side). A process started in a namespace may also get a host name of
 * its own (`unshare --uts`), as a real other machine has. `cut(host)` takes the central end of a host's link down
 * (packets are dropped, connections hang, as when a network fails), `restore(host)` brings it back. Needs root (the
 * tests run as root, as `.ci/run` does). `destroy()` deletes the namespaces, and with them their links.
 */
import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface Namespace {
  readonly name: string;
  /** Starts `argv` in this namespace (with `hostname` as its host name when given). */
  spawn(argv: readonly string[], options?: SpawnOptions & { hostname?: string }): ChildProcess;
}

export interface FleetHost extends Namespace {
  /** This host's address, as the central namespace sees it. */
  readonly ip: string;
  /** The central namespace's address, as this host sees it. */
  readonly centralIp: string;
}

export interface FleetNetwork {
  readonly central: Namespace;
  readonly hosts: readonly FleetHost[];
  /** Takes the link between the central namespace and `host` down. */
  cut(host: FleetHost): void;
  restore(host: FleetHost): void;
  /** Deletes every namespace (idempotent). */
  destroy(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

function namespace(name: string): Namespace {
  return {
    name,
    spawn(argv, options = {}) {
      const { hostname, ...rest } = options;
      const inner = hostname
        ? ['unshare', '--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', hostname, ...argv]
        : [...argv];
      // `ip netns exec`, `unshare` and `sh -c 'exec …'` each replace themselves: the child is the program.
      return spawn('ip', ['netns', 'exec', name, ...inner], rest);
    },
  };
}

/** Makes a central namespace and `hostCount` host namespaces linked to it. */
export function createFleetNetwork(hostCount: number): FleetNetwork {
  const tag = randomBytes(3).toString('hex');
  const net = 100 + ((randomBytes(1)[0] as number) % 100);
  const made: string[] = [];
  const centralName = `fdc${tag}`;
  const destroy = () => {
    for (const ns of made.splice(0).reverse()) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
  };
  try {
    ip('netns', 'add', centralName);
    made.push(centralName);
    ip('-n', centralName, 'link', 'set', 'lo', 'up');
    const hosts: Array<FleetHost & { centralEnd: string }> = [];
    for (let i = 1; i <= hostCount; i++) {
      const name = `fdh${i}${tag}`;
      ip('netns', 'add', name);
      made.push(name);
      ip('-n', name, 'link', 'set', 'lo', 'up');
      const centralEnd = `vc${i}${tag}`;
      const hostEnd = `vh${i}${tag}`;
      ip(
        'link',
        'add',
        centralEnd,
        'netns',
        centralName,
        'type',
        'veth',
        'peer',
        'name',
        hostEnd,
        'netns',
        name,
      );
      const centralIp = `10.${net}.${i}.1`;
      const hostIp = `10.${net}.${i}.2`;
      ip('-n', centralName, 'addr', 'add', `${centralIp}/24`, 'dev', centralEnd);
      ip('-n', name, 'addr', 'add', `${hostIp}/24`, 'dev', hostEnd);
      ip('-n', centralName, 'link', 'set', centralEnd, 'up');
      ip('-n', name, 'link', 'set', hostEnd, 'up');
      hosts.push({ ...namespace(name), ip: hostIp, centralIp, centralEnd });
    }
    const endOf = (host: FleetHost) => {
      const found = hosts.find((h) => h.name === host.name);
      if (!found) throw new Error(`not a host of this network: ${host.name}`);
      return found.centralEnd;
    };
    return {
      central: namespace(centralName),
      hosts,
      cut: (host) => ip('-n', centralName, 'link', 'set', endOf(host), 'down'),
      restore: (host) => ip('-n', centralName, 'link', 'set', endOf(host), 'up'),
      destroy,
    };
  } catch (err) {
    destroy();
    throw err;
  }
}
