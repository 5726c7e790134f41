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
pid_alive() {
  local pid=$1 state
  [[ $pid =~ ^[0-9]+$ && $pid -gt 0 && -r /proc/$pid/stat ]] || return 1
  state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [[ $state != Z && $state != X && -n $state ]]
}

svc_pid() {
  local pid=0
  case $BOXFLEET_SERVICE_MANAGER in
    systemd) pid=$(systemctl show -p MainPID --value sing-box 2>/dev/null || echo 0) ;;
    pidfile) [[ -f $PIDFILE ]] && pid=$(cat "$PIDFILE") ;;
    *) die 1 "unknown BOXFLEET_SERVICE_MANAGER=$BOXFLEET_SERVICE_MANAGER" ;;
  esac
  if pid_alive "${pid:-0}"; then echo "$pid"; else echo 0; fi
}

pidfile_stop() {
  local pid i
  pid=$(svc_pid)
  if [[ $pid != 0 ]]; then
    kill -TERM "$pid" 2>/dev/null || true
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

# Ports the config declares, as "tcp 443" / "udp 443" lines. QUIC inbounds (hysteria2,
# tuic) listen on UDP only; Shadowsocks on both unless its network says tcp.
config_ports() {
  [[ -f $1 ]] || return 0
  jq -r '.inbounds[]? | select(.listen_port | type == "number") | .listen_port as $p
    | if .type == "hysteria2" or .type == "tuic" then "udp \($p)"
      else "tcp \($p)", (if .type == "shadowsocks" and .network != "tcp" then "udp \($p)" else empty end) end' "$1" | sort -u
}

# Sockets a PID listens on, as "tcp 443" / "udp 443" lines.
pid_ports() {
  ss -Hlnptu 2>/dev/null | awk -v pid="pid=$1," 'index($0, pid) { n = split($5, a, ":"); print $1, a[n] }' | sort -u
}

# After a restart: a new main PID that binds every declared port and then stays up.
verify_started() {
  local old=$1 pid="" want have i
  for ((i = 0; i < 100; i++)); do pid=$(svc_pid); [[ $pid != 0 && $pid != "$old" ]] && break; sleep 0.02; done
  [[ $pid != 0 && $pid != "$old" ]] || { err "sing-box did not start (main PID ${pid:-0}, before $old)"; return 1; }
  want=$(config_ports "$CONFIG" | sort -u)
  for ((i = 0; i < BOXFLEET_START_TIMEOUT_SEC * 50; i++)); do
    pid_alive "$pid" || { err "sing-box (PID $pid) exited during start-up"; return 1; }
    have=$(pid_ports "$pid")
    [[ -z $(comm -23 <(echo "$want") <(echo "$have")) ]] && break
    sleep 0.02
  done
  [[ -z $(comm -23 <(echo "$want") <(echo "$have")) ]] || { err "sing-box does not listen on: $(comm -23 <(echo "$want") <(echo "$have") | tr '\n' ' ')"; return 1; }
  sleep "$BOXFLEET_SETTLE_SEC"
  pid_alive "$pid" && [[ $(svc_pid) == "$pid" ]] || { err "sing-box (PID $pid) did not stay up"; return 1; }
  say "old_pid=$old"
  say "new_pid=$pid"
}
