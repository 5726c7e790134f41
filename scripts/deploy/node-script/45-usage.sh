# ---- per-user traffic (the stats build, #18) ---------------------------------------------
# boxfleet-usage (scripts/usage/node-helper) comes in the stats build's release tarball and
# is installed with it under the same signed pin. It keeps the ledger: what every user
# entry moved since the ledger began, read from sing-box's counters without resetting them.
# Counters live in the sing-box process, so the growth is folded into the ledger before
# every restart this script makes and on every watchdog tick: a crash loses at most a
# minute's count, a restart or reboot nothing.
readonly USAGE_HELPER=/usr/local/bin/boxfleet-usage
readonly USAGE_LEDGER=$STATE_DIR/usage.json
readonly RE_SEQ='^[1-9][0-9]{0,17}$'

# The stats service's address in the live config, when it has one on loopback.
usage_api() {
  [[ -x $USAGE_HELPER && -f $CONFIG ]] || return 1
  local api
  api=$(jq -r '.experimental.v2ray_api.listen // empty' "$CONFIG" 2>/dev/null) || return 1
  # Root connects there: only this machine's loopback, never an address a config names.
  [[ $api =~ ^127\.0\.0\.1:[0-9]{1,5}$ ]] || return 1
  printf '%s\n' "$api"
}

# Adds the running process's growth to the ledger; never stops what called it.
usage_fold() {
  local api pid
  api=$(usage_api) || return 0
  pid=$(svc_pid)
  [[ $pid != 0 ]] || return 0
  "$USAGE_HELPER" fold --ledger "$USAGE_LEDGER" --api "$api" --pid "$pid" || err "usage: could not fold the counters before going on"
}

# `usage-read`: fold, count a read, print the ledger's totals (one JSON line).
cmd_usage_read() {
  local api
  api=$(usage_api) || die 3 "this node counts no usage: it runs no stats build, or its config has no v2ray_api"
  "$USAGE_HELPER" read --ledger "$USAGE_LEDGER" --api "$api" --pid "$(svc_pid)"
}

# `usage-ack SEQ`: the collector stored read SEQ.
cmd_usage_ack() {
  [[ $# -eq 1 ]] || usage
  need seq "$1" "$RE_SEQ"
  [[ -x $USAGE_HELPER ]] || die 3 "this node counts no usage"
  "$USAGE_HELPER" ack "$1" --ledger "$USAGE_LEDGER"
}

# The helper from a release unpacked in $WORK/x, when the tarball has one.
install_usage_helper() {
  [[ -e $WORK/x/boxfleet-usage ]] || return 0
  [[ -f $WORK/x/boxfleet-usage && ! -L $WORK/x/boxfleet-usage ]] || die 1 "the release's boxfleet-usage is not a file"
  if [[ -x $USAGE_HELPER ]] && cmp -s "$WORK/x/boxfleet-usage" "$USAGE_HELPER"; then return 0; fi
  install -m 0755 "$WORK/x/boxfleet-usage" "$USAGE_HELPER.new" && mv -f "$USAGE_HELPER.new" "$USAGE_HELPER"
  say "installed boxfleet-usage"
}
