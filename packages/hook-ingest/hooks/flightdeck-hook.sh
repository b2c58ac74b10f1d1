#!/bin/sh
# Flightdeck hook: writes one spool record per hook event. POSIX sh (dash), no jq.
# Usage: sh flightdeck-hook.sh <claude|codex|gemini> [--hold] [payload]
#   (Codex legacy notify passes the payload as the last argument; everything else sends it on stdin.)
# Never prints to stdout (except `{}` for gemini, which wants exactly one JSON object); always exits 0.
# --hold (PermissionRequest of claude/codex): when a live server reads this spool (<spool>/.reader.lock names a
# live process and does not say "hold":false, as a forwarder's does), the hook makes the FIFO <spool>/hold/<record id>, marks the record `hold=1` and waits for the
# server to open the FIFO; the one line it writes there (a decision) is printed, an EOF prints nothing. Server
# down, lock stale or missing, mkfifo failing: exactly the path without --hold.
# Record file <spool>/<boot8>-<uptime centiseconds, 12 digits>-<pid>.rec (the reader orders by uptime, then
# by PID taking PID wrap-around into account):
#   "FD1\0" KEY=value\0 ... "\0" <raw payload bytes> "\0FDEND\n"
# The reader (packages/hook-ingest/src/spool) builds the JSON envelope; nothing is escaped here.
# Speed: builtins only, plus one exec (no fork) of cat that copies stdin and then the trailer file.
exec 2>/dev/null
# Records (0600) and a spool directory we create (0700) are private, whatever the caller's umask.
umask 077
FD_SPOOL_DEFAULT="${HOME}/.flightdeck/spool"
d=${FLIGHTDECK_SPOOL:-$FD_SPOOL_DEFAULT}
c=${1:-claude}
a= H=
case $2 in
--hold) H=1; [ $# -ge 3 ] && eval "a=\${$#}" ;;
*) [ $# -ge 2 ] && eval "a=\${$#}" ;;
esac
u= b= p=$PPID
# Capture time (uptime in centiseconds), boot id and agent pid from /proc with builtins only.
if read -r u _ </proc/uptime; then
  u=${u%.*}${u#*.}
  read -r b </proc/sys/kernel/random/boot_id
  b=${b%%-*}
  # `sh -c "<command>"` wrappers (Claude on dash) sit between the agent and us: use their parent.
  read -r n </proc/$p/comm
  case $n in sh|dash|bash|zsh|ksh|mksh|busybox)
    if read -r s </proc/$p/stat; then
      s=${s##*) }; set -f; set -- $s; set +f; p=$2
    fi ;;
  esac
else
  u=$(date +%s)00; b=00000000
fi
while [ ${#u} -lt 12 ]; do u=0$u; done
f=$d/$b-$u-$$.rec
q= x=
# Hold only when the lock's process is alive: /proc/<pid>/stat field 22 (start time) as written in the lock
# (where the lock has no start time, or there is no /proc: `kill -0`).
if [ -n "$H" ] && [ "$c" != gemini ] && read -r l <"$d/.reader.lock"; then
  n=${l#*\"pid\":}; n=${n%%[!0-9]*}; t=
  case $l in *'"start":"'*) t=${l#*\"start\":\"}; t=${t%%\"*} ;; esac
  case $n in ''|0) l= ;; esac
  case $l in *'"hold":false'*) l= ;; esac
  if [ -z "$l" ]; then :
  elif [ "$b" != 00000000 ]; then
    if read -r s <"/proc/$n/stat"; then
      s=${s##*) }; set -f; set -- $s; set +f
      case $1 in Z|X) l= ;; *) [ -z "$t" ] || [ "$t" = "${20}" ] || l= ;; esac
    else l=
    fi
  else kill -0 "$n" || l=
  fi
  if [ -n "$l" ]; then
    q=$d/hold/$b-$u-$$
    { [ -d "$d/hold" ] || mkdir -m 700 "$d/hold"; } && mkfifo -m 600 "$q" && x='hold=1\0' || q=
  fi
fi
h() {
  printf 'FD1\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%b\0' \
    "cli=$c" "pid=$p" "ppid=$PPID" "boot=$b" "up=$u" \
    "TERM_PROGRAM=$TERM_PROGRAM" "TERM_PROGRAM_VERSION=$TERM_PROGRAM_VERSION" "TERM=$TERM" \
    "VSCODE_PID=$VSCODE_PID" "ITERM_SESSION_ID=$ITERM_SESSION_ID" "KITTY_WINDOW_ID=$KITTY_WINDOW_ID" \
    "WARP_SESSION_ID=$WARP_SESSION_ID" "WEZTERM_PANE=$WEZTERM_PANE" "TERM_SESSION_ID=$TERM_SESSION_ID" \
    "WINDOWID=$WINDOWID" "TMUX=$TMUX" "TMUX_PANE=$TMUX_PANE" "GHOSTTY_RESOURCES_DIR=$GHOSTTY_RESOURCES_DIR" \
    "FLIGHTDECK_TERMINAL_ID=$FLIGHTDECK_TERMINAL_ID" "CLAUDE_PROJECT_DIR=$CLAUDE_PROJECT_DIR" \
    "CLAUDE_CODE_PARENT_SESSION_ID=$CLAUDE_CODE_PARENT_SESSION_ID" "CLAUDE_CODE_TEAM_NAME=$CLAUDE_CODE_TEAM_NAME" \
    "CLAUDE_CODE_AGENT_NAME=$CLAUDE_CODE_AGENT_NAME" "CLAUDE_CODE_AGENT_TYPE=$CLAUDE_CODE_AGENT_TYPE" \
    "CLAUDE_CODE_AGENT_ID=$CLAUDE_CODE_AGENT_ID" "CLAUDE_CODE_AGENT_COLOR=$CLAUDE_CODE_AGENT_COLOR" \
    "SSH_CONNECTION=$SSH_CONNECTION" "$x"
}
# Header first (creates the record); if the spool dir is missing, create it and retry once.
if h >"$f" || { mkdir -p "$d" && h >"$f"; }; then
  [ "$c" = gemini ] && printf '{}\n'
  if [ -n "$q" ]; then
    # Held: the whole record first (the reader only takes complete records), then wait for the server.
    if [ -n "$a" ]; then printf '%s\0FDEND\n' "$a" >>"$f"; else
      T=$d/.trailer
      [ -f "$T" ] || printf '\0FDEND\n' >"$T"
      LC_ALL=C cat - "$T" >>"$f"
    fi
    # The CLI may signal only the `sh -c` wrapper it runs us in (dash does not exec its last command): a watcher
    # (GNU `tail --pid` checks the pid every second) ends the wait once our parent is gone, if we are still the
    # process with our start time (pid and field 22 of /proc/$$/stat). Told to stop (TERM), it stops its tail.
    # Without GNU tail or /proc nothing is watched.
    z=
    if read -r z <"/proc/$$/stat"; then z=${z##*) }; set -f; set -- $z; set +f; z=${20}; fi
    {
      t=
      trap '[ -z "$t" ] || kill "$t"; exit 0' TERM
      tail --pid="$PPID" -f /dev/null &
      t=$!
      wait "$t"
      kill -0 "$PPID" && exit 0
      read -r s <"/proc/$$/stat" || exit 0
      s=${s##*) }; set -f; set -- $s; set +f
      [ -n "$z" ] && [ "${20}" = "$z" ] && kill "$$"
    } </dev/null >/dev/null &
    w=$!
    l=
    IFS= read -r l <"$q"
    kill "$w"
    [ -n "$l" ] && printf '%s\n' "$l"
    exec rm -f "$q"
  fi
  if [ -n "$a" ]; then
    printf '%s\0FDEND\n' "$a" >>"$f"
    exit 0
  fi
  T=$d/.trailer
  [ -f "$T" ] || printf '\0FDEND\n' >"$T"
  # Payload, then trailer: a record is complete once it ends with the trailer.
  export LC_ALL=C
  if [ -x /bin/cat ]; then exec /bin/cat - "$T" >>"$f"; fi
  exec cat - "$T" >>"$f"
fi
# Spool unusable: drop the event quietly (drain stdin so the agent never sees EPIPE).
[ "$c" = gemini ] && printf '{}\n'
[ -n "$a" ] || exec cat >/dev/null
exit 0
