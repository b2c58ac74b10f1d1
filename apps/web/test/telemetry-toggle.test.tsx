import { cleanup, fireEvent, render, screen, waitFor } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { TelemetryToggle } from '../src/components/TelemetryToggle.js';

afterEach(cleanup);

describe('Settings → Claude Code OpenTelemetry', () => {
  it('turns the export on and off through hooks.telemetry and says what happened', async () => {
    const calls: boolean[] = [];
    const toasts: string[] = [];
    const api = {
      setTelemetry: async (enabled: boolean) => {
        calls.push(enabled);
        if (calls.length === 3)
          throw new Error('telemetry: settings.json: expected a JSON object at the top');
        return {
          changed: enabled,
          file: '/home/dev/.claude/settings.json',
          warnings: enabled ? ['no hook token in the data directory'] : [],
        };
      },
    };
    render(() => <TelemetryToggle api={api} onToast={(m) => toasts.push(m)} />);
    fireEvent.click(screen.getByText('Send to Flightdeck'));
    await waitFor(() => expect(toasts).toHaveLength(1));
    fireEvent.click(screen.getByText('Stop sending'));
    await waitFor(() => expect(toasts).toHaveLength(2));
    fireEvent.click(screen.getByText('Send to Flightdeck'));
    await waitFor(() => expect(toasts).toHaveLength(3));
    expect(calls).toEqual([true, false, true]);
    expect(toasts).toEqual([
      'Claude Code exports OpenTelemetry to Flightdeck: /home/dev/.claude/settings.json (no hook token in the data directory)',
      'Nothing to change in /home/dev/.claude/settings.json',
      'Failed: telemetry: settings.json: expected a JSON object at the top',
    ]);
  });
});
