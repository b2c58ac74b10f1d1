/**
 * The fleet tests' network (support/netns.ts): namespaces made by the test, a host reaching the central namespace
 * over its link and nothing else, a cut link dropping traffic until it is restored, and a host name of its own.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFleetNetwork, type FleetNetwork, type Namespace } from './support/netns.js';

/** Runs a node script in `ns` and resolves with its stdout (rejects on a non-zero exit). */
function node(ns: Namespace, script: string, hostname?: string): Promise<string> {
  const child = ns.spawn([process.execPath, '-e', script], { hostname });
  return output(child);
}

function output(child: ChildProcess): Promise<string> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d;
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d;
  });
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`exit ${code}: ${err}`)),
    ),
  );
}

const fetchScript = (url: string) =>
  `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(1500) }).then(r => r.text()).then(t => console.log(t), e => console.log('failed: ' + e.name))`;

describe('the fleet network', () => {
  let net: FleetNetwork;
  let server: ChildProcess;
  beforeAll(async () => {
    net = createFleetNetwork(2);
    server = net.central.spawn(
      [
        process.execPath,
        '-e',
        `require('node:http').createServer((q, r) => r.end('central')).listen(7070, '0.0.0.0', () => console.log('up'))`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => server.stdout?.once('data', () => resolve()));
  });
  afterAll(() => {
    server?.kill('SIGKILL');
    net?.destroy();
  });

  it('links each host to the central namespace only, and a cut link drops traffic until restored', async () => {
    const [a, b] = net.hosts;
    if (!a || !b) throw new Error('two hosts expected');
    expect(await node(a, fetchScript(`http://${a.centralIp}:7070/`))).toBe('central');
    expect(await node(b, fetchScript(`http://${b.centralIp}:7070/`))).toBe('central');
    // Not this machine's loopback: the central server is not reachable there.
    expect(await node(a, fetchScript('http://127.0.0.1:7070/'))).toMatch(/^failed/);
    net.cut(a);
    expect(await node(a, fetchScript(`http://${a.centralIp}:7070/`))).toMatch(
      /^failed: (TimeoutError|TypeError)/,
    );
    expect(await node(b, fetchScript(`http://${b.centralIp}:7070/`))).toBe('central');
    net.restore(a);
    expect(await node(a, fetchScript(`http://${a.centralIp}:7070/`))).toBe('central');
  });

  it('gives a process a host name of its own', async () => {
    const [a] = net.hosts;
    if (!a) throw new Error('a host expected');
    expect(await node(a, `console.log(require('node:os').hostname())`, 'build-box')).toBe('build-box');
  });
});
