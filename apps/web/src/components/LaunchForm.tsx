/**
 * "New agent session" (issue 16): an agent CLI started in a new terminal on this machine, from the Board's top bar
 * and the Terminals page. The server checks every field (`terminals.launch`) and names the field it refuses; the
 * form shows that message next to the field. The API key travels only in the agent's environment (`env`).
 *
 * Adding a field (e.g. the SSH host): a key in `LaunchDraft`, its part of the input in `launchInput`, and its
 * `<Field>` in the form; a refusal naming it (`host: …`) shows under it when `Field`'s `name` is that key.
 */
import { AGENT_CLIS, type AgentCli, type ClaudePermissionMode } from '@flightdeck/shared-types';
import { createResource, createSignal, For, type JSX, onCleanup, onMount, Show } from 'solid-js';
import { createStore } from 'solid-js/store';
import type { SshHostInfo } from '../data/ssh.js';
import {
  type AgentCliStatus,
  type FieldError,
  fieldErrors,
  INITIAL_SIZE,
  type TerminalInfo,
  type TerminalLaunch,
} from '../data/terminals.js';
import type { Api } from '../data/types.js';
import { permissionModeLabel } from '../lib/words.js';
import { keepTabInside } from './Dialog.js';

/**
 * Claude's permission modes as the server takes them (`CLAUDE_PERMISSION_MODES`; the web bundle carries only the
 * domain constants of shared-types, so they are listed here: a record, so a mode added there fails typecheck here).
 */
const PERMISSION_MODES = Object.keys({
  default: true,
  acceptEdits: true,
  plan: true,
  bypassPermissions: true,
} satisfies Record<ClaudePermissionMode, true>) as ClaudePermissionMode[];

/** Where each CLI reads its API key from. */
export const API_KEY_ENV: Readonly<Record<AgentCli, string>> = {
  claude: 'ANTHROPIC_API_KEY',
  codex: 'OPENAI_API_KEY',
  gemini: 'GEMINI_API_KEY',
};

export interface LaunchDraft {
  cwd: string;
  cli: AgentCli;
  prompt: string;
  tmux: boolean;
  /** '' leaves Claude's own setting. */
  permissionMode: ClaudePermissionMode | '';
  apiKey: string;
  /** A configured SSH host's name; '' is this machine. */
  host: string;
}

export const EMPTY_DRAFT: LaunchDraft = {
  cwd: '',
  cli: 'claude',
  prompt: '',
  tmux: false,
  permissionMode: '',
  apiKey: '',
  host: '',
};

/** What the form sends: empty optional fields left out, the permission mode for Claude only, the key in `env`. */
export function launchInput(
  d: LaunchDraft,
  size: { cols: number; rows: number } = INITIAL_SIZE,
): TerminalLaunch {
  return {
    cli: d.cli,
    cwd: d.cwd.trim(),
    ...(d.prompt.trim() !== '' ? { prompt: d.prompt } : {}),
    ...(d.tmux ? { tmux: true } : {}),
    ...(d.cli === 'claude' && d.permissionMode !== '' ? { permissionMode: d.permissionMode } : {}),
    ...(d.apiKey !== '' ? { env: { [API_KEY_ENV[d.cli]]: d.apiKey } } : {}),
    ...(d.host !== '' ? { host: d.host } : {}),
    ...size,
  };
}

/** The form fields a refusal can name; `env` is the API key's. Anything else is shown above the buttons. */
const FIELDS = ['host', 'cwd', 'cli', 'prompt', 'tmux', 'permissionMode', 'env'] as const;

function Field(props: {
  name: string;
  label: string;
  errors: FieldError[];
  hint?: JSX.Element;
  children: JSX.Element;
}): JSX.Element {
  const error = () => props.errors.find((e) => e.field === props.name)?.message;
  return (
    <div class="launch__field" classList={{ 'launch__field--invalid': error() !== undefined }}>
      <label for={`launch-${props.name}`}>{props.label}</label>
      {props.children}
      <Show when={props.hint}>
        <p class="launch__hint muted">{props.hint}</p>
      </Show>
      <Show when={error()}>
        <p class="launch__error" id={`launch-${props.name}-error`} role="alert">
          {error()}
        </p>
      </Show>
    </div>
  );
}

function cliNote(status: AgentCliStatus | undefined): string {
  if (!status) return '';
  if (status.found) return 'installed';
  return status.configured ? 'not at its configured path' : 'not found';
}

export interface LaunchFormProps {
  api: Api;
  /** The new terminal (the caller opens its panel). */
  onLaunched: (t: TerminalInfo) => void;
  onCancel: () => void;
}

/** The form: directory, CLI, first prompt, tmux, permission mode, API key; Start sends `terminals.launch`. */
export function LaunchForm(props: LaunchFormProps): JSX.Element {
  const [draft, setDraft] = createStore<LaunchDraft>({ ...EMPTY_DRAFT });
  const [errors, setErrors] = createSignal<FieldError[]>([]);
  const [busy, setBusy] = createSignal(false);
  const [clis] = createResource(() => props.api.agentClis().catch(() => [] as AgentCliStatus[]));
  const statusOf = (cli: AgentCli) => clis.latest?.find((c) => c.cli === cli);
  // Configured SSH hosts (Settings → SSH hosts); none when the server has none or cannot list them.
  const [hosts] = createResource(() => props.api.sshHosts().catch(() => [] as SshHostInfo[]));
  const invalid = (name: string) => errors().some((e) => e.field === name);
  const described = (name: string) => (invalid(name) ? `launch-${name}-error` : undefined);
  const general = () => errors().filter((e) => !FIELDS.includes(e.field as (typeof FIELDS)[number]));
  let cwdInput: HTMLInputElement | undefined;
  let formEl: HTMLFormElement | undefined;
  onMount(() => cwdInput?.focus());

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy()) return;
    setBusy(true);
    setErrors([]);
    try {
      props.onLaunched(await props.api.launchTerminal(launchInput(draft)));
    } catch (err) {
      setErrors(fieldErrors(err));
      // The keyboard goes to the first refused field (its message is read with it: aria-describedby).
      formEl?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form ref={formEl} class="launch" onSubmit={submit} novalidate>
      <Show when={(hosts.latest ?? []).length > 0}>
        <Field name="host" label="Host" errors={errors()}>
          <select
            id="launch-host"
            name="host"
            value={draft.host}
            aria-invalid={invalid('host')}
            aria-describedby={described('host')}
            onChange={(e) => setDraft('host', e.currentTarget.value)}
          >
            <option value="">This machine</option>
            <For each={hosts.latest ?? []}>
              {(h) => (
                <option value={h.name}>
                  {h.name} ({h.user}@{h.host}){h.hostKey?.state === 'trusted' ? '' : ' — key not trusted'}
                </option>
              )}
            </For>
          </select>
        </Field>
      </Show>
      <Field
        name="cwd"
        label="Working directory"
        errors={errors()}
        hint={`On ${draft.host === '' ? 'this machine' : draft.host}: an absolute path or ~/…`}
      >
        <input
          ref={cwdInput}
          id="launch-cwd"
          name="cwd"
          placeholder="~/src/my-project"
          autocomplete="off"
          autocapitalize="off"
          spellcheck={false}
          value={draft.cwd}
          aria-invalid={invalid('cwd')}
          aria-describedby={described('cwd')}
          onInput={(e) => setDraft('cwd', e.currentTarget.value)}
        />
      </Field>
      <fieldset class="launch__clis" aria-invalid={invalid('cli')} aria-describedby={described('cli')}>
        <legend>CLI</legend>
        <For each={AGENT_CLIS}>
          {(cli) => (
            <label class="launch__cli" data-found={statusOf(cli)?.found ?? ''}>
              <input
                type="radio"
                name="cli"
                value={cli}
                checked={draft.cli === cli}
                onChange={() => setDraft('cli', cli)}
              />
              <span class="launch__cli-name">{cli}</span>
              <span class="launch__cli-note muted">{cliNote(statusOf(cli))}</span>
            </label>
          )}
        </For>
        <Show when={errors().find((x) => x.field === 'cli')}>
          {(err) => (
            <p class="launch__error" id="launch-cli-error" role="alert">
              {err().message}
            </p>
          )}
        </Show>
      </fieldset>
      <Field name="prompt" label="First prompt (optional)" errors={errors()}>
        <textarea
          id="launch-prompt"
          name="prompt"
          rows={3}
          value={draft.prompt}
          aria-invalid={invalid('prompt')}
          aria-describedby={described('prompt')}
          onInput={(e) => setDraft('prompt', e.currentTarget.value)}
        />
      </Field>
      <Show when={draft.cli === 'claude'}>
        <Field name="permissionMode" label="Permission mode" errors={errors()}>
          <select
            id="launch-permissionMode"
            name="permissionMode"
            value={draft.permissionMode}
            aria-invalid={invalid('permissionMode')}
            aria-describedby={described('permissionMode')}
            onChange={(e) => setDraft('permissionMode', e.currentTarget.value as ClaudePermissionMode | '')}
          >
            <option value="">Claude's setting</option>
            <For each={PERMISSION_MODES}>
              {(m) => (
                <option value={m}>
                  {m} ({permissionModeLabel(m)})
                </option>
              )}
            </For>
          </select>
        </Field>
      </Show>
      <Field
        name="env"
        label="API key (optional)"
        errors={errors()}
        hint={
          <>
            Given to the agent as <code>{API_KEY_ENV[draft.cli]}</code> in its environment only: never on a
            command line, never stored.
            <Show when={draft.host !== ''}>
              {' '}
              Over SSH it is forwarded by name (SendEnv): the host's sshd must accept it (AcceptEnv).
            </Show>
          </>
        }
      >
        <input
          id="launch-env"
          name="apiKey"
          type="password"
          autocomplete="off"
          value={draft.apiKey}
          aria-invalid={invalid('env')}
          aria-describedby={described('env')}
          onInput={(e) => setDraft('apiKey', e.currentTarget.value)}
        />
      </Field>
      <label class="check launch__tmux">
        <input
          type="checkbox"
          checked={draft.tmux}
          onChange={(e) => setDraft('tmux', e.currentTarget.checked)}
        />
        Run in tmux (keeps running when the terminal is closed)
      </label>
      <Show when={errors().find((x) => x.field === 'tmux')}>
        {(err) => (
          <p class="launch__error" role="alert">
            {err().message}
          </p>
        )}
      </Show>
      <For each={general()}>
        {(err) => (
          <p class="launch__error" role="alert">
            {err.message}
          </p>
        )}
      </For>
      <div class="dialog__actions launch__actions">
        <button type="button" class="btn" onClick={() => props.onCancel()}>
          Cancel
        </button>
        <button type="submit" class="btn btn--primary" disabled={busy()}>
          {busy() ? 'Starting…' : 'Start agent'}
        </button>
      </div>
    </form>
  );
}

/** The form in a modal: focus moves into it, Tab stays inside, Esc or Cancel closes it. */
export function LaunchDialog(props: LaunchFormProps): JSX.Element {
  let box: HTMLDivElement | undefined;
  const previous = document.activeElement as HTMLElement | null;
  onCleanup(() => previous?.focus?.());
  const onKeyDown = (e: KeyboardEvent) => {
    // The page's own shortcuts never see keys typed here.
    e.stopPropagation();
    if (e.key === 'Escape') {
      e.preventDefault();
      props.onCancel();
      return;
    }
    // The checked radio of the group is the one Tab reaches.
    if (box)
      keepTabInside(
        box,
        e,
        'input:not([type="radio"]), input:checked, select, textarea, button:not([disabled])',
      );
  };
  return (
    <div class="overlay overlay--sheet">
      <div
        ref={box}
        class="dialog dialog--static launch-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="launch-title"
        onKeyDown={onKeyDown}
      >
        <h2 id="launch-title">New agent session</h2>
        <LaunchForm {...props} />
      </div>
    </div>
  );
}

/** "New agent session": the button and its dialog; a launch opens the new terminal's panel. */
export function NewAgentButton(props: {
  api: Api;
  onOpenTerminal: (terminalId: string) => void;
  class?: string;
}): JSX.Element {
  const [open, setOpen] = createSignal(false);
  return (
    <>
      <button
        type="button"
        class={props.class ?? 'btn btn--primary'}
        aria-haspopup="dialog"
        onClick={() => setOpen(true)}
      >
        New agent session
      </button>
      <Show when={open()}>
        <LaunchDialog
          api={props.api}
          onCancel={() => setOpen(false)}
          onLaunched={(t) => {
            setOpen(false);
            props.onOpenTerminal(t.id);
          }}
        />
      </Show>
    </>
  );
}
