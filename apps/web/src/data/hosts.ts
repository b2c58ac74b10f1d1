/**
 * The `hosts` namespace as the web app uses it (issue 19): hosts with their own tokens (for forwarders on other
 * machines), make a token (shown once), revoke one. Shapes from the server's router.
 */
import type { ServerOutputs } from './types.js';

/** One host as `hosts.list` returns it. */
export type HostInfo = ServerOutputs['hosts']['list'][number];

export interface HostsApi {
  hostsList(): Promise<HostInfo[]>;
  /** Makes host `name`'s token: the answer is the only time it is shown. */
  hostsCreateToken(name: string): Promise<{ name: string; token: string }>;
  hostsRevokeToken(name: string): Promise<void>;
}

/** A host's state as the page says it: online / offline / never heard from (the server's), or revoked. */
export type HostState = HostInfo['connection'] | 'revoked';

export const HOST_STATE_WORDS: Record<HostState, string> = {
  online: 'online',
  offline: 'offline',
  never: 'not heard from yet',
  revoked: 'revoked',
};

export function hostStateOf(h: Pick<HostInfo, 'revoked' | 'connection'>): HostState {
  return h.revoked ? 'revoked' : h.connection;
}
