import { type JSX, Match, Show, Switch } from 'solid-js';
import { terminalLabel } from '../lib/words.js';

/** The session fields that say where its agent runs (hook metadata). */
export interface WhereFields {
  source: string;
  host: string | null;
  tty: string | null;
  pid: number | null;
  tmuxPane: string | null;
  tmuxSocket: string | null;
  terminalId: string | null;
  status: string;
}

/**
 * Where the agent runs and how to get there: its Flightdeck terminal ("Show terminal"), its tmux pane ("Open
 * terminal": a view of that same pane), else the terminal program, tty, SSH or host, in words.
 */
export function WhereItRuns(props: {
  session: WhereFields;
  onShowTerminal?: (terminalId: string) => void;
  /** `target`: `<socket>#<pane>` when the socket is known (pane ids are unique per tmux server), else the pane. */
  onAttachTmux?: (target: string) => void;
}): JSX.Element {
  const s = () => props.session;
  const ended = () => s().status === 'ended';
  const program = () => terminalLabel(s().source);
  const onHost = () => (s().host ? ` on ${s().host}` : '');
  const tty = () => (s().tty ? ` (tty ${s().tty}${s().pid ? `, pid ${s().pid}` : ''})` : '');
  return (
    <section class="where" aria-label="Where it runs" data-testid="where-it-runs">
      <Switch
        fallback={
          <p>
            <Show when={program()} fallback={<>The terminal it runs in was not detected</>}>
              Runs in {program()}
            </Show>
            {onHost()}
            {tty()}. Flightdeck cannot show that terminal: switch to it there. To reach an agent from here,
            start it inside tmux or from Flightdeck's Terminals page.
          </p>
        }
      >
        <Match when={s().terminalId}>
          {(tid) => (
            <p>
              Runs in a Flightdeck terminal.{' '}
              <Show when={props.onShowTerminal}>
                <button type="button" class="btn btn--small" onClick={() => props.onShowTerminal?.(tid())}>
                  Show terminal
                </button>
              </Show>
            </p>
          )}
        </Match>
        <Match when={s().tmuxPane}>
          {(pane) => (
            <p>
              Runs in tmux pane <code>{pane()}</code>
              {onHost()}
              {tty()}.{' '}
              {/* `host` is set for local sessions too (the spool reader names this machine): the server attaches on
                  its own machine and refuses a pane it does not have. */}
              <Show
                when={!ended() && props.onAttachTmux}
                fallback={
                  <span class="muted">
                    Attach with{' '}
                    <code>
                      tmux {s().tmuxSocket ? `-S ${s().tmuxSocket} ` : ''}attach -t {pane()}
                    </code>
                    {s().host ? ` on ${s().host}` : ''}.
                  </span>
                }
              >
                <button
                  type="button"
                  class="btn btn--small btn--primary"
                  onClick={() =>
                    props.onAttachTmux?.(s().tmuxSocket ? `${s().tmuxSocket}#${pane()}` : pane())
                  }
                >
                  Open terminal
                </button>{' '}
                <span class="muted">(a view of that same pane)</span>
              </Show>
            </p>
          )}
        </Match>
        <Match when={s().source === 'ssh'}>
          <p>
            Runs in an SSH session{onHost()}
            {tty()}. Connect to that machine to reach it; Flightdeck terminals over SSH come later.
          </p>
        </Match>
      </Switch>
    </section>
  );
}
