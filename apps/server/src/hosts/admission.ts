/**
 * Who may post which hook events (issue 19): a host token posts its own host's events only (`meta.host` missing is
 * set to its host; another host is refused with 403 and nothing of the request is stored); a revoked or unknown host
 * token is refused with 401 before the body is read; an event naming a host that has its own token is accepted only
 * with that token. Without a host token the hook token rules apply as before (the local machine).
 */
import type { EnvelopeAdmission, HookAuthorizer } from '@flightdeck/hook-ingest';
import type { HookEnvelope } from '@flightdeck/shared-types';
import { type HostAuth, type HostTokens, hostAuthErrors } from './tokens.js';

export const HOST_MISMATCH_STATUS = 403;

/** The `authorize` of the hook routes: host tokens first, then `hookTokenAuthorize` for every other sender. */
export function hostAwareAuthorizer(
  hosts: HostTokens | undefined,
  hookTokenAuthorize: HookAuthorizer,
): HookAuthorizer {
  if (!hosts) return hookTokenAuthorize;
  return (headers) => {
    const who = hosts.resolve(headers);
    if (who.kind === 'refused') return who.error;
    if (who.kind === 'host') return null;
    return hookTokenAuthorize(headers);
  };
}

/** The host of a raw envelope's `meta.host` when it is a string (the envelope is not validated yet). */
function rawHost(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const meta = (raw as { meta?: unknown }).meta;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const host = (meta as { host?: unknown }).host;
  return typeof host === 'string' ? host : undefined;
}

/** Null when the request's envelopes (raw, as sent) may be stored together, else the reason of a 403. */
export function hostRefusal(
  hosts: HostTokens,
  who: HostAuth,
  envelopes: readonly unknown[],
  where: (index: number) => string,
): string | null {
  for (let i = 0; i < envelopes.length; i++) {
    const host = rawHost(envelopes[i]);
    if (host === undefined) continue;
    if (who.kind === 'host') {
      if (host !== who.host) return hostAuthErrors.mismatch(who.host, host, where(i));
    } else if (hosts.isHost(host)) {
      return hostAuthErrors.claimed(host, where(i));
    }
  }
  return null;
}

/** The envelope with `meta.host` set to the token's host when the request came with a host token. */
export function withTokenHost(who: HostAuth, envelope: HookEnvelope): HookEnvelope {
  if (who.kind !== 'host' || envelope.meta.host !== undefined) return envelope;
  return { ...envelope, meta: { ...envelope.meta, host: who.host } };
}

/** `admit` of `POST /api/hooks`. */
export function hostAdmission(hosts: HostTokens | undefined): EnvelopeAdmission | undefined {
  if (!hosts) return undefined;
  return (envelope, headers) => {
    const who = hosts.resolve(headers);
    // Revoked while the body was read: refused all the same.
    if (who.kind === 'refused') return { ok: false, status: 401, error: who.error };
    const refusal = hostRefusal(hosts, who, [envelope], () => 'the event');
    if (refusal !== null) return { ok: false, status: HOST_MISMATCH_STATUS, error: refusal };
    if (who.kind === 'host') hosts.seen(who.host, Date.now());
    return { ok: true, envelope: withTokenHost(who, envelope) };
  };
}
