/**
 * The Host and Origin checks that guard every HTTP request and WebSocket upgrade (DNS rebinding, cross-origin
 * pages): exact host names and origins only, loopback literals recognised exactly.
 */
import { networkInterfaces } from 'node:os';

/** A `host[:port]` authority (Host header, origin): the lower-cased host and the port, or null when malformed. */
interface Authority {
  host: string;
  port: string | null;
}

function splitAuthority(value: string): Authority | null {
  const v = value.trim().toLowerCase();
  let host: string;
  let rest: string;
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    if (end < 0) return null;
    host = v.slice(0, end + 1);
    rest = v.slice(end + 1);
  } else {
    const colon = v.indexOf(':');
    // More than one colon: a bare IPv6 literal (`::1`), no port.
    if (colon !== v.lastIndexOf(':')) return { host: v, port: null };
    host = colon < 0 ? v : v.slice(0, colon);
    rest = colon < 0 ? '' : v.slice(colon);
  }
  if (host === '' || /[\s/?#@\\]/.test(host)) return null;
  if (rest === '') return { host, port: null };
  return /^:\d{1,5}$/.test(rest) ? { host, port: rest.slice(1) } : null;
}

/** `127.0.0.0/8` written as four decimal octets (no leading zeros): no `127.1`, `0x7f.0.0.1`, `2130706433`. */
const LOOPBACK_IPV4 =
  /^127\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){2}$/;

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || LOOPBACK_IPV4.test(host);
}

/**
 * True for exact loopback literals only: `localhost`, `127.x.y.z` as a strict dotted quad, `[::1]` / `::1`
 * (a port may follow). Names that merely start with `127.` or end in `.localhost` are names an attacker's DNS
 * can point anywhere (DNS rebinding), so they are not loopback here.
 */
export function isLoopbackHostname(hostname: string): boolean {
  const a = splitAuthority(hostname);
  return a !== null && isLoopbackHost(a.host);
}

/** The authority of an `Origin` header (`scheme://host[:port]`, nothing else), or null. */
function originAuthority(origin: string): (Authority & { authority: string }) | null {
  const m = /^https?:\/\/([^/?#@]+)$/i.exec(origin.trim());
  if (!m?.[1]) return null;
  const a = splitAuthority(m[1]);
  return a ? { ...a, authority: m[1].toLowerCase() } : null;
}

/** A header value quoted in a refusal: shown, never trusted; cut short. */
const quote = (v: string) => JSON.stringify(v.length > 200 ? `${v.slice(0, 200)}…` : v);

export interface RequestGuardOptions {
  /** The host the server binds to. */
  bindHost: string;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
}

export interface RequestGuard {
  /** Returns a refusal reason or null when the request may proceed. */
  check(headers: Record<string, string | string[] | undefined>): string | null;
}

/**
 * Host check (DNS rebinding): the Host header must name an exact loopback literal or `localhost`, the bind host,
 * a configured name (`allowedHosts`), or — when bound to all interfaces — one of this machine's addresses.
 * Origin check (CSRF, cross-site WebSocket hijacking): a browser Origin must be same-origin, a loopback origin
 * (dev servers; the same strict notion of loopback) or configured (`allowedOrigins`).
 */
export function createRequestGuard(opts: RequestGuardOptions): RequestGuard {
  const hosts = new Set<string>();
  for (const h of opts.allowedHosts) {
    const a = splitAuthority(h);
    if (a) hosts.add(a.host);
  }
  const bind = opts.bindHost.trim().toLowerCase();
  const wildcard = bind === '0.0.0.0' || bind === '::' || bind === '[::]';
  if (!wildcard) hosts.add(bind.includes(':') && !bind.startsWith('[') ? `[${bind}]` : bind);
  if (wildcard) {
    for (const list of Object.values(networkInterfaces())) {
      for (const addr of list ?? []) hosts.add(addr.family === 'IPv6' ? `[${addr.address}]` : addr.address);
    }
  }
  const origins = new Set(opts.allowedOrigins.map((o) => o.replace(/\/$/, '').toLowerCase()));
  const hostAllowed = (host: string) => hosts.has(host) || isLoopbackHost(host);
  return {
    check(headers) {
      const hostHeader = headers.host;
      if (typeof hostHeader !== 'string' || hostHeader === '') return 'Host header missing';
      const host = splitAuthority(hostHeader);
      if (!host || !hostAllowed(host.host)) {
        return `Host header not allowed: ${quote(hostHeader)} (accepted: localhost, loopback addresses, the bind address and the names in allowedHosts of the config file)`;
      }
      const origin = headers.origin;
      if (typeof origin !== 'string' || origin === '') return null;
      const o = origin.trim().toLowerCase();
      if (origins.has(o)) return null;
      const from = originAuthority(o);
      // Same origin: the page was served by this server under the (allowed) name it now asks for.
      if (from && from.authority === hostHeader.trim().toLowerCase()) return null;
      // A local dev server (e.g. Vite on localhost:5173) talking to a loopback server.
      if (from && isLoopbackHost(from.host) && isLoopbackHost(host.host)) return null;
      return `Origin not allowed: ${quote(origin)} (accepted: this server's own origin, loopback origins and allowedOrigins of the config file)`;
    },
  };
}
