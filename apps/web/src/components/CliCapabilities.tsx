/**
 * What Flightdeck can do for an agent CLI, said plainly from the one table in @flightdeck/shared-types
 * (`CLI_CAPABILITIES`): the session page's box, the approval card's note when the CLI cannot be answered from
 * here, and the Settings → Hooks rows.
 */
import { type AgentCli, capabilitiesOf, capabilitySummary } from '@flightdeck/shared-types';
import { type JSX, Show } from 'solid-js';

/** A small box: the one-line summary, the details on demand. */
export function CliCapabilitiesBox(props: {
  cli: AgentCli;
  open?: boolean;
  /** The machine the session runs on when it forwards its events (a host with its own token), else null. */
  forwardedFrom?: string | null;
}): JSX.Element {
  const c = () => capabilitiesOf(props.cli);
  return (
    <details class="capabilities" data-testid="cli-capabilities" data-cli={props.cli} open={props.open}>
      <summary>
        What Flightdeck can do for {c().name}:{' '}
        <Show when={props.forwardedFrom} fallback={<span class="muted">{capabilitySummary(props.cli)}</span>}>
          {(host) => (
            <span class="muted" data-testid="cap-forwarded">
              on {host()}, which forwards its events: its permission questions are answered in its terminal,
              and its processes are not signalled from here
            </span>
          )}
        </Show>
      </summary>
      <dl class="capabilities__list">
        <dt>Approvals</dt>
        <dd data-testid="cap-approvals">
          {props.forwardedFrom
            ? `Not from here: ${props.forwardedFrom} forwards its events, and a permission question there is answered in its terminal.`
            : `${c().approvals.fromDashboard ? 'From here.' : 'Not from here.'} ${c().approvals.how}`}
        </dd>
        <dt>Token usage</dt>
        <dd>{c().usage}</dd>
        <dt>Session file</dt>
        <dd>{c().sessionFile}</dd>
        <dt>Resume</dt>
        <dd>{c().resume.how}</dd>
        <dt>Launch</dt>
        <dd>{c().launch}</dd>
        <dt>History import</dt>
        <dd>{c().history}</dd>
        <dt>Tested with</dt>
        <dd>
          {c().name} {c().testedVersion}
        </dd>
      </dl>
    </details>
  );
}

/** For an approval card: why this CLI's question is answered in the terminal (nothing when it can be answered here). */
export function CliApprovalNote(props: { cli: AgentCli }): JSX.Element {
  const c = () => capabilitiesOf(props.cli);
  return (
    <Show when={!c().approvals.fromDashboard}>
      <p class="approval__cli-note muted small" data-testid="cli-approval-note">
        {c().approvals.how}
      </p>
    </Show>
  );
}
