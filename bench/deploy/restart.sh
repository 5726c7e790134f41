# Restarts the sing-box stand-in the way the harness's test hosts run it: no systemd, a PID
# file (/run/sing-box.pid), like boxfleet-node's "pidfile" service manager. Shared by the
# Ansible playbook (shell task) and the bare script (sent to the node on stdin).
# A zombie counts as dead: PID 1 on these machines reaps orphans slowly (about 2 s).
pidfile=/run/sing-box.pid
alive() {
  local s
  [ -r "/proc/$1/stat" ] || return 1
  s=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}
old=$(cat "$pidfile" 2>/dev/null || echo 0)
if [ "${old:-0}" -gt 0 ] && alive "$old"; then
  kill -TERM "$old" 2>/dev/null || true
  for _ in $(seq 100); do alive "$old" || break; sleep 0.02; done
  if alive "$old"; then kill -KILL "$old" 2>/dev/null || true; fi
fi
mkdir -p /var/lib/sing-box
setsid /usr/local/bin/sing-box -D /var/lib/sing-box run -c /etc/sing-box/config.json >> /var/log/sing-box.log 2>&1 < /dev/null &
echo $! > "$pidfile"
