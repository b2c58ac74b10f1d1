import type { AgentCli } from '@flightdeck/shared-types';
import { createSignal, For, type JSX, onCleanup, Show } from 'solid-js';
import type { Api, DeliveryReport } from '../data/types.js';

/** How often the banner asks the server again (the server itself checks every 30 s). */
export const DELIVERY_POLL_MS = 30_000;

/**
 * Shown when the installed hooks deliver events somewhere this server does not read (or events wait in another
 * spool): says so in plain words and offers the one-step fix, reinstalling those CLIs' hooks to deliver here.
 */
export function DeliveryBanner(props: {
  api: Pick<Api, 'deliveryStatus' | 'fixDelivery'>;
  pollMs?: number;
  onToast?: (message: string) => void;
}): JSX.Element {
  const [report, setReport] = createSignal<DeliveryReport | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const load = async () => {
    try {
      setReport(await props.api.deliveryStatus());
    } catch {
      // keep the last report: the connection banner tells about a server that does not answer
    }
  };
  void load();
  const timer = setInterval(() => void load(), props.pollMs ?? DELIVERY_POLL_MS);
  onCleanup(() => clearInterval(timer));

  const fix = async (clis: AgentCli[]) => {
    setBusy(true);
    setError(null);
    try {
      const next = await props.api.fixDelivery(clis);
      setReport(next);
      props.onToast?.(`Hooks reinstalled for ${clis.join(', ')}: events now come here`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Show when={report() && !report()!.ok ? report() : null}>
      {(r) => (
        <div class="banner banner--delivery" role="alert" data-testid="delivery-banner">
          <div>
            <strong>Not every event reaches this board.</strong>
            <For each={r().problems}>{(p) => <div class="small">{p}</div>}</For>
            <Show when={r().fix}>
              {(f) => (
                <div class="muted small">
                  The fix reinstalls the hooks so they deliver to <code>{r().spoolDir}</code> (same as{' '}
                  <code>{f().commands.join(' && ')}</code>).
                </div>
              )}
            </Show>
            <Show when={error()}>
              <div class="error small">Fix failed: {error()}</div>
            </Show>
          </div>
          <Show when={r().fix}>
            {(f) => (
              <button
                type="button"
                class="btn btn--primary btn--small"
                disabled={busy()}
                onClick={() => void fix(f().clis)}
              >
                {busy() ? 'Fixing…' : 'Fix'}
              </button>
            )}
          </Show>
        </div>
      )}
    </Show>
  );
}
