# ---- the deploy lock ---------------------------------------------------------------------
# flock on /run/boxfleet.lock, held on descriptor 9 until the command ends (a dropped
# connection ends it too, so no lock goes stale). A session refuses at once when another
# deploy holds it; bootstrap, refresh and install-singbox wait a while for it.
take_lock() {
  exec 9>>"$LOCK"
  flock -w "${BOXFLEET_LOCK_WAIT_SEC:-30}" 9 || die 13 "another deploy holds the lock on this node"
}

# ---- service manager -------------------------------------------------------------------
# A zombie (state Z) counts as dead: on some machines PID 1 reaps orphans slowly.
# The helpers below read /proc and ss output with bash itself: they run every 20 ms while
# sing-box starts, and a process per check is what a one-core VPS (and the deploy's time) feels.
pid_alive() {
  local pid=$1 stat state
  [[ $pid =~ ^[0-9]{1,10}$ && $pid -gt 0 ]] || return 1
  { IFS= read -r stat < "/proc/$pid/stat"; } 2>/dev/null || return 1
  # The name field may hold ") ": the state follows the last one.
  [[ $stat == *") "* ]] || return 1
  state=${stat##*) }
  state=${state%% *}
  [[ -n $state && $state != Z && $state != X ]]
}

# svc_pid_into: SVC_PID=sing-box's main PID, 0 when it is not running (no fork for a pidfile).
svc_pid_into() {
  local pid=0
  case $BOXFLEET_SERVICE_MANAGER in
    systemd) pid=$(systemctl show -p MainPID --value sing-box 2>/dev/null || echo 0) ;;
    pidfile) [[ -f $PIDFILE ]] && { IFS= read -r pid < "$PIDFILE" || true; } ;;
    *) die 1 "unknown BOXFLEET_SERVICE_MANAGER=$BOXFLEET_SERVICE_MANAGER" ;;
  esac
  pid_alive "${pid:-0}" && SVC_PID=$pid || SVC_PID=0
}
svc_pid() { svc_pid_into; echo "$SVC_PID"; }

pidfile_stop() {
  local pid i
  pid=$(svc_pid)
  if [[ $pid != 0 ]]; then
    # CONT as systemd sends it: a stopped process handles TERM only once it runs again.
    kill -TERM "$pid" 2>/dev/null && kill -CONT "$pid" 2>/dev/null || true
    for ((i = 0; i < 250; i++)); do pid_alive "$pid" || break; sleep 0.02; done
    pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
}

# Restart, not reload: sing-box's SIGHUP keeps the old instance when the new config fails,
# and a listener change needs new sockets anyway.
svc_restart() {
  # The old process's counters die with it: into the ledger first (45-usage.sh).
  usage_fold
  case $BOXFLEET_SERVICE_MANAGER in
    systemd) systemctl restart sing-box ;;
    pidfile)
      pidfile_stop
      # No job control here, so setsid does not fork: $! is sing-box's own PID.
      # 9>&-: the service must never inherit the deploy lock's descriptor.
      setsid "$SINGBOX" -D /var/lib/sing-box run -c "$CONFIG" >> "$SVC_LOG" 2>&1 < /dev/null 9>&- &
      echo $! > "$PIDFILE" ;;
  esac
}

# Ports the config declares, as "tcp 443" / "udp 443" lines, sorted, each once. QUIC
# inbounds (hysteria2, tuic) listen on UDP only; Shadowsocks on both unless its network
# says tcp. The jq program is shared with config_policy, which lists them on the way.
readonly JQ_PORTS='[.inbounds[]? | select(.listen_port | type == "number") | .listen_port as $p
    | if .type == "hysteria2" or .type == "tuic" then "udp \($p)"
      else "tcp \($p)", (if .type == "shadowsocks" and .network != "tcp" then "udp \($p)" else empty end) end] | unique | .[]'
config_ports() {
  [[ -f $1 ]] || return 0
  jq -r "$JQ_PORTS" "$1"
}

# Sockets a PID listens on, as "tcp 443" / "udp 443" lines, each once (in no set order).
# SKIP (space-separated socket inodes) leaves those sockets out: after a reload the PID is
# the same, and only sockets the new instance opened prove that it runs.
# pid_ports_into sets PORTS to those lines (no fork: it runs every 20 ms while sing-box starts).
pid_ports_into() {
  local netid state recvq sendq addr peer rest ino
  local -A seen=() skip=()
  for ino in ${2-}; do skip[$ino]=1; done
  while read -r netid state recvq sendq addr peer rest; do
    [[ $rest == *"pid=$1,"* ]] || continue
    [[ $rest =~ \ ino:([0-9]+) && -n ${skip[${BASH_REMATCH[1]}]:-} ]] && continue
    seen["$netid ${addr##*:}"]=1
  done < <(ss -Hlnptue 2>/dev/null)
  PORTS=""
  (( ${#seen[@]} == 0 )) || printf -v PORTS '%s\n' "${!seen[@]}"
  PORTS=${PORTS%$'\n'}
}
pid_ports() { pid_ports_into "$@"; [[ -z $PORTS ]] || printf '%s\n' "$PORTS"; }

# The inodes of the sockets a PID listens on, space-separated, into INODES.
pid_inodes_into() {
  local netid state recvq sendq addr peer rest
  local -a out=()
  while read -r netid state recvq sendq addr peer rest; do
    [[ $rest == *"pid=$1,"* && $rest =~ \ ino:([0-9]+) ]] && out+=("${BASH_REMATCH[1]}")
  done < <(ss -Hlnptue 2>/dev/null)
  INODES="${out[*]}"
}

# The lines of $1 that are not lines of $2, space-separated ("tcp 443 udp 443"), into MISSING.
missing_lines_into() {
  local line out=()
  local -A have=()
  while IFS= read -r line; do [[ -n $line ]] && have[$line]=1; done <<< "$2"
  while IFS= read -r line; do [[ -n $line && -z ${have[$line]:-} ]] && out+=("$line"); done <<< "$1"
  MISSING="${out[*]}"
}

# The config now in place, into the running service: a reload when the process can take
# it (SIGHUP: sing-box checks the file, closes the old instance and starts the new one in
# the same process, so its listeners are back in about 10 ms instead of a process start's
# 60-90 ms; connections drop either way), else a restart. RELOAD=1 with the old process's
# socket inodes; a reload the process does not take (it hangs, or its own check fails)
# falls back to a restart, and what fails then is rolled back by the caller.
svc_apply() {
  local old=$1 want=$2 reload=$3 inodes=${4-}
  if [[ $reload == 1 ]]; then
    usage_fold
    kill -HUP "$old" 2>/dev/null && verify_reloaded "$old" "$want" "$inodes" && return 0
    err "sing-box did not take the new config in place; restarting it"
  fi
  svc_restart && verify_started "$old" "$want"
}

# After a restart: a new main PID that binds every declared port and still holds them all
# after the settle time. WANT: the config's ports when the caller has them already
# (config_ports is a jq run). Leaves the ports the PID held at the end in STARTED_PORTS.
verify_started() {
  local old=$1 pid="" want=${2-} i
  for ((i = 0; i < 100; i++)); do svc_pid_into; pid=$SVC_PID; [[ $pid != 0 && $pid != "$old" ]] && break; sleep 0.02; done
  [[ $pid != 0 && $pid != "$old" ]] || { err "sing-box did not start (main PID ${pid:-0}, before $old)"; return 1; }
  [[ $# -ge 2 ]] || want=$(config_ports "$CONFIG")
  verify_listening "$pid" "$want" "" "exited during start-up" || return 1
  say "old_pid=$old"
  say "new_pid=$pid"
}

# After a reload: the same PID, listening on every declared port with sockets it did not
# have before (OLD_INODES), for the settle time.
verify_reloaded() {
  verify_listening "$1" "$2" "$3" "exited while reloading" || return 1
  say "reloaded pid=$1"
}

# PID binds every port in WANT (skipping sockets in SKIP) within the start timeout and
# still holds them, as the service's main PID, after the settle time.
verify_listening() {
  local pid=$1 want=$2 skip=$3 died=$4 gone i
  gone=${want//$'\n'/ }
  for ((i = 0; i < BOXFLEET_START_TIMEOUT_SEC * 50; i++)); do
    pid_alive "$pid" || { err "sing-box (PID $pid) $died"; return 1; }
    pid_ports_into "$pid" "$skip"; missing_lines_into "$want" "$PORTS"; gone=$MISSING
    [[ -z $gone ]] && break
    sleep 0.02
  done
  [[ -z $gone ]] || { err "sing-box does not listen on: $gone"; return 1; }
  sleep "$BOXFLEET_SETTLE_SEC"
  svc_pid_into
  pid_alive "$pid" && [[ $SVC_PID == "$pid" ]] || { err "sing-box (PID $pid) did not stay up"; return 1; }
  pid_ports_into "$pid" "$skip"; STARTED_PORTS=$PORTS
  missing_lines_into "$want" "$STARTED_PORTS"; gone=$MISSING
  [[ -z $gone ]] || { err "sing-box (PID $pid) stopped listening on: $gone"; return 1; }
}
