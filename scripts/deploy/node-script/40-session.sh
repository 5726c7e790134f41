# ---- the held deploy session -------------------------------------------------------------
# One SSH channel per node for a whole deploy (scripts/deploy/channel.ts is the other end).
# It takes the lock, says what the node runs, and then reads at most a sing-box release and
# one config from stdin, in a fixed line protocol that names no paths:
#
#   node     status {JSON}                              (what `status` prints)
#   deployer bye                                        nothing to do: unlock and end
#         or [binary BYTES VERSION ARCH SHA256 SIGNATURE + BYTES of the release tarball]
#            config BYTES SHA256 [staged] + BYTES of the config
#   node     with `staged`: `checked` once the checks passed, then waits for the deployer's
#            `swap` (go on) or `bye` (end, nothing swapped)
#   node     progress lines, then `started old_pid=… new_pid=… udp=PORT,…` (the new config
#            runs and has held every port for the settle time; after a reload in place
#            the two PIDs are the same) or a `result=…` line and exit
#   deployer commit COMMIT DEPLOYED-AT [USAGE-COMMIT]   (its own health check passed; the
#                                                       status commit its quotas came from)
#         or rollback                                   (it did not)
#   node     `committed` (marker written), or `result=rolled-back` / `result=rollback-failed`
#
# The deployer's silence is a verdict too: when stdin ends or BOXFLEET_VERDICT_SEC pass
# without `commit`, the node rolls back by itself, so a deployer that dies mid-way never
# leaves an unproven config running. Exit codes as for apply (10, 11, 12, 14).
readonly RE_BYTES='^[0-9]{1,10}$'

# Reads exactly $1 bytes of stdin into $2 (GNU head never reads past its count); a
# transfer that ends early is refused with exit 14 before anything is swapped.
read_exactly() {
  local n=$1 dest=$2 got
  head -c "$n" > "$dest"
  got=$(stat -c %s "$dest")
  [[ $got == "$n" ]] || die 14 "the $3 arrived incomplete ($got of $n bytes)"
}

# A reply line from the deployer within the time allowed; empty when it said nothing.
# read_reply SECS: REPLY_LINE=that line (a global, not printed: no fork per reply).
read_reply() {
  REPLY_LINE=""
  IFS= read -r -t "${1:-60}" REPLY_LINE || true
}

session_binary() {
  local words
  read -r -a words <<< "$1"
  [[ ${#words[@]} -eq 6 ]] || die 2 "bad binary line"
  local bytes=${words[1]} version=${words[2]} arch=${words[3]} want=${words[4]} sig=${words[5]}
  need bytes "$bytes" "$RE_BYTES"; need version "$version" "$RE_VERSION"; need arch "$arch" "$RE_ARCH"
  need sha256 "$want" "$RE_HEX64"; need signature "$sig" "$RE_SIG"
  (( bytes <= MAX_RELEASE_BYTES )) || die 14 "release tarball larger than $MAX_RELEASE_BYTES bytes"
  read_exactly "$bytes" "$WORK/release.tar.gz" release
  install_release "$version" "$arch" "$want" "$sig"
  SESSION_BINARY=1
}

# Everything after the swap: undo the config and, when this session installed one, the binary.
session_undo() {
  local ok=0
  restore_previous || ok=1
  if [[ $ok == 0 && ${SESSION_BINARY:-0} == 1 ]]; then restore_binary || ok=1; fi
  if [[ $ok == 0 ]]; then say "result=rolled-back"; exit 11; fi
  say "result=rollback-failed"; exit 12
}

# A staged config has passed its checks and waits for `swap` (the canary is still being
# proven); `bye` or silence ends the session with nothing swapped.
session_wait_swap() {
  say "checked"
  local line
  read_reply "${BOXFLEET_SESSION_IDLE_SEC:-900}"; line=$REPLY_LINE
  [[ $line == swap ]] && return 0
  [[ $line == bye || -z $line ]] || { rm -f "$NEW"; die 2 "expected swap or bye"; }
  rm -f "$NEW"
  if [[ ${SESSION_BINARY:-0} == 1 ]]; then restore_binary || exit 12; fi
  exit 0
}

cmd_session() {
  exec 9>>"$LOCK"
  flock -n 9 || die 13 "another deploy holds the lock on this node"
  status_into
  say "status $STATUS_JSON"
  local line
  read_reply "${BOXFLEET_SESSION_IDLE_SEC:-900}"; line=$REPLY_LINE
  [[ $line == bye || -z $line ]] && return 0
  WORK=$(mktemp -d /run/boxfleet-session.XXXXXXXX)
  trap 'rm -rf "$WORK"' EXIT
  if [[ $line == binary\ * ]]; then
    session_binary "$line"
    read_reply 60; line=$REPLY_LINE
  fi
  case $line in
    bye|"") return 0 ;;
    config\ *) ;;
    *) die 2 "expected config, binary or bye" ;;
  esac
  local words
  read -r -a words <<< "$line"
  [[ ${#words[@]} -eq 3 || ( ${#words[@]} -eq 4 && ${words[3]} == staged ) ]] || die 2 "bad config line"
  local bytes=${words[1]} want=${words[2]} old
  need bytes "$bytes" "$RE_BYTES"; need sha256 "$want" "$RE_HEX64"
  (( bytes <= MAX_CONFIG_BYTES )) || die 14 "config larger than $MAX_CONFIG_BYTES bytes"
  mkdir -p "$CONFIG_DIR" "$STATE_DIR"
  read_exactly "$bytes" "$WORK/config.json" config
  sha_into "$WORK/config.json" || true
  [[ $SHA == "$want" ]] || die 14 "the config does not have sha256 $want"
  # From here on a dropped SSH connection must not stop us half-way.
  trap '' HUP PIPE
  # The new config's ports (config_policy lists them) serve the firewall and the start check.
  local ports specs
  config_policy "$WORK/config.json" && singbox_check "$WORK/config.json" || {
    say "result=check-failed"
    if [[ ${SESSION_BINARY:-0} == 1 ]]; then restore_binary || exit 12; fi
    exit 10
  }
  # Ready to swap: the new config beside the live one, the live one kept for a rollback.
  # A staged node does this before it waits (the lock keeps both as they are), so that
  # after `swap` it only renames.
  install -m 0640 "$WORK/config.json" "$NEW"
  [[ -f $CONFIG ]] && cp -p "$CONFIG" "$PREV"
  [[ ${words[3]:-} == staged ]] && session_wait_swap
  local reload=0 inodes=""
  svc_pid_into; old=$SVC_PID
  # A running process takes the new config in place, unless this session replaced its
  # binary; before the swap, the sockets it has now (a reload must open new ones).
  [[ $old != 0 && ${SESSION_BINARY:-0} != 1 ]] && { reload=1; pid_inodes_into "$old"; inodes=$INODES; }
  mv -f "$NEW" "$CONFIG"
  # The stats build's ledger knows a process by PID and start time, which a reload keeps
  # while its counters start again from zero: with per-user counters, restart.
  [[ $reload == 1 ]] && usage_api > /dev/null && reload=0
  ports=$POLICY_PORTS
  mapfile -t specs <<< "$ports"
  if ! { firewall_apply "${specs[@]}" && svc_apply "$old" "$ports" "$reload" "$inodes"; }; then
    err "the new config failed; rolling back"
    session_undo
  fi
  local pid udp
  svc_pid_into; pid=$SVC_PID
  udp_ports_into "$STARTED_PORTS"; udp=$UDP_PORTS
  say "started old_pid=$old new_pid=$pid udp=${udp:-none}"
  local verdict
  read_reply "${BOXFLEET_VERDICT_SEC:-60}"; verdict=$REPLY_LINE
  local v
  read -r -a v <<< "$verdict"
  if [[ ${v[0]:-} == commit ]] && commit_words_ok "${v[@]}"; then
    write_marker "$want" "${v[1]}" "${v[2]}" "${v[3]:-}" || exit 1
    say "committed"
    return 0
  fi
  # Anything but a well-formed commit is no verdict: the unproven config does not stay.
  [[ ${v[0]:-} == rollback || ${v[0]:-} == commit ]] || err "no verdict from the deployer (${verdict:-stdin ended}); rolling back"
  session_undo
}

# The UDP ports among pid_ports lines, ascending and comma-separated (the deployer checks them).
udp_ports_into() {
  local line
  local -a set=()
  while IFS= read -r line; do [[ $line =~ ^udp\ ([0-9]{1,5})$ ]] && set[10#${BASH_REMATCH[1]}]=1; done <<< "$1"
  local IFS=,
  UDP_PORTS="${!set[*]}"
}

# `commit COMMIT DEPLOYED-AT [USAGE-COMMIT]`, each word in its alphabet (they go into the marker).
commit_words_ok() {
  local bad=''
  (( $# == 3 || $# == 4 )) || bad=words
  [[ -n $bad || $2 =~ ^[0-9A-Za-z._-]{1,64}$ ]] || bad=commit
  [[ -n $bad || $3 =~ ^[0-9T:.+Z-]{1,40}$ ]] || bad=deployed-at
  [[ -n $bad || $# == 3 || $4 =~ ^[0-9a-f]{40}$ ]] || bad=usage-commit
  [[ -z $bad ]] && return 0
  err "bad $bad in the commit line; rolling back"
  return 1
}
