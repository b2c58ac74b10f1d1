import { createSignal, type JSX } from 'solid-js';
import type { Api } from '../data/types.js';
import { errText } from '../lib/format.js';

/**
 * Claude Code's OpenTelemetry export to Flightdeck (`hooks.telemetry`): its per-request tokens and cost become a
 * second usage source beside the transcript. Opt-in; it writes only the `env` entries it owns in settings.json.
 */
export function TelemetryToggle(props: {
  api: Pick<Api, 'setTelemetry'>;
  onToast: (m: string) => void;
}): JSX.Element {
  const [busy, setBusy] = createSignal(false);
  const set = async (enabled: boolean) => {
    setBusy(true);
    try {
      const r = await props.api.setTelemetry(enabled);
      const what = enabled
        ? 'Claude Code exports OpenTelemetry to Flightdeck'
        : 'OpenTelemetry export removed';
      const note = r.warnings.length > 0 ? ` (${r.warnings.join('; ')})` : '';
      props.onToast(r.changed ? `${what}: ${r.file}${note}` : `Nothing to change in ${r.file}${note}`);
    } catch (e) {
      props.onToast(`Failed: ${errText(e)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="telemetry" data-testid="telemetry">
      <h3>Claude Code OpenTelemetry</h3>
      <p class="muted">
        Claude Code can also report each API request's tokens and cost over OpenTelemetry. Flightdeck shows
        them beside what it reads from the transcript. New Claude Code sessions pick the setting up.
      </p>
      <div class="actions">
        <button type="button" class="btn btn--small" disabled={busy()} onClick={() => set(true)}>
          Send to Flightdeck
        </button>
        <button type="button" class="btn btn--small" disabled={busy()} onClick={() => set(false)}>
          Stop sending
        </button>
      </div>
    </div>
  );
}
