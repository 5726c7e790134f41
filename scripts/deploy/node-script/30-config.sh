# ---- config swap -------------------------------------------------------------------------
singbox_check() { "$SINGBOX" check -c "$1" 2>&1 | tail -n 20 >&2; return "${PIPESTATUS[0]}"; }

# Restores config.json.prev and restarts; returns 0 when the old config runs again.
restore_previous() {
  [[ -f $PREV ]] || { err "no previous config to roll back to"; return 1; }
  local old
  cp -p "$PREV" "$NEW" && mv -f "$NEW" "$CONFIG"
  firewall_apply || return 1
  old=$(svc_pid)
  svc_restart && verify_started "$old"
}

cmd_apply() {
  local file="" token="" want=""
  while [[ $# -gt 0 ]]; do
    case $1 in --token) token=$2; shift 2 ;; --sha256) want=$2; shift 2 ;; *) file=$1; shift ;; esac
  done
  [[ -n $file ]] || die 2 "usage: apply FILE --token T [--sha256 HEX]"
  [[ -z $want ]] || need sha256 "$want" "$RE_HEX64"
  require_lock "$token"
  # From here on a dropped SSH connection must not stop us half-way.
  trap '' HUP PIPE
  mkdir -p "$CONFIG_DIR" "$STATE_DIR"
  # A root-owned copy is what gets checked and swapped in: the caller cannot change it later.
  take_upload "$file" "$NEW" "$MAX_CONFIG_BYTES" || exit 1
  chmod 0640 "$NEW"
  if [[ -n $want && $(sha_of "$NEW") != "$want" ]]; then rm -f "$NEW"; die 14 "uploaded config does not have sha256 $want"; fi
  config_policy "$NEW" || { rm -f "$NEW"; say "result=check-failed"; exit 10; }
  singbox_check "$NEW" || { rm -f "$NEW"; say "result=check-failed"; exit 10; }
  local old
  old=$(svc_pid)
  [[ -f $CONFIG ]] && cp -p "$CONFIG" "$PREV"
  mv -f "$NEW" "$CONFIG"
  if firewall_apply && svc_restart && verify_started "$old"; then say "result=applied"; return 0; fi
  err "the new config failed; rolling back"
  if restore_previous; then say "result=rolled-back"; exit 11; fi
  say "result=rollback-failed"; exit 12
}

# `rollback --token T` and `rollback-singbox --token T`: RESTORE under the caller's lock.
locked_restore() {
  local restore=$1 token=""
  [[ ${2:-} == --token ]] && token=${3:-}
  require_lock "$token"
  trap '' HUP PIPE
  if "$restore"; then say "result=rolled-back"; else say "result=rollback-failed"; exit 12; fi
}

cmd_restart() {
  local token=""
  [[ ${1:-} == --token ]] && token=${2:-}
  require_lock "$token"
  local old; old=$(svc_pid)
  svc_restart && verify_started "$old"
}

# ---- marker and status -----------------------------------------------------------------
cmd_write_marker() {
  local sha="" commit="" at="" token=""
  while [[ $# -gt 0 ]]; do
    case $1 in --sha256) sha=${2:-} ;; --commit) commit=${2:-} ;; --deployed-at) at=${2:-} ;; --token) token=${2:-} ;; *) usage ;; esac
    shift 2 || usage
  done
  need sha256 "$sha" "$RE_HEX64"; need commit "$commit" '^[0-9A-Za-z._-]{1,64}$'; need deployed-at "$at" '^[0-9T:.+Z-]{1,40}$'
  require_lock "$token"
  mkdir -p "$STATE_DIR"
  write_marker "$sha" "$commit" "$at" || exit 1
  say "marker written"
}

# The node fills in what it can measure itself; the caller's hash must match the live file.
# Values were checked against their patterns, so they need no escaping in JSON.
write_marker() {
  local sha=$1 commit=$2 at=$3 live
  live=$(sha_of "$CONFIG")
  [[ $sha == "$live" ]] || { err "marker hash does not match the live config ($live)"; return 1; }
  mkdir -p "$STATE_DIR"
  printf '{"commit": "%s", "config_sha256": "%s", "deployed_at": "%s", "singbox_version": "%s"}\n' \
    "$commit" "$live" "$at" "$(singbox_version)" > "$MARKER.tmp" && mv -f "$MARKER.tmp" "$MARKER"
}

cmd_status() {
  local marker=null live version pid
  [[ -f $MARKER ]] && { marker=$(jq -c . "$MARKER" 2>/dev/null) || marker='{"invalid": true}'; }
  [[ -n $marker ]] || marker='{"invalid": true}'
  live=$(sha_of "$CONFIG"); version=$(singbox_version); pid=$(svc_pid)
  jq -cnS --arg live "$live" --arg version "$version" --argjson pid "$pid" --arg manager "$BOXFLEET_SERVICE_MANAGER" \
    --argjson marker "$marker" --argjson script "$SCRIPT_VERSION" \
    '{config_sha256: (if $live == "none" then null else $live end), singbox_version: (if $version == "" or $version == "none" then null else $version end),
      main_pid: $pid, active: ($pid != 0), manager: $manager, marker: $marker, script_version: $script}'
}
