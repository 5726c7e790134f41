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

# ---- marker and status -----------------------------------------------------------------
# The node fills in what it can measure itself; the caller's hash must match the live file.
# Values were checked against their patterns, so they need no escaping in JSON.
# USAGE (optional) is the status-branch commit the deployer's quotas came from.
write_marker() {
  local sha=$1 commit=$2 at=$3 usage=${4:-} live
  sha_into "$CONFIG" || true
  live=$SHA
  singbox_version_into
  [[ $sha == "$live" ]] || { err "marker hash does not match the live config ($live)"; return 1; }
  mkdir -p "$STATE_DIR"
  printf '{"commit": "%s", "config_sha256": "%s", "deployed_at": "%s", "singbox_version": "%s"%s}\n' \
    "$commit" "$live" "$at" "$SB_VERSION" "${usage:+, \"usage_commit\": \"$usage\"}" > "$MARKER.tmp" && mv -f "$MARKER.tmp" "$MARKER"
}

# The marker exactly as write_marker writes it: every value in its alphabet, so the line is
# JSON as it stands.
readonly RE_MARKER='^\{"commit": "[0-9A-Za-z._-]{1,64}", "config_sha256": "[0-9a-f]{64}", "deployed_at": "[0-9T:.+Z-]{1,40}", "singbox_version": "[0-9A-Za-z.+-]{0,40}"(, "usage_commit": "[0-9a-f]{40}")?\}$'

# The marker as one JSON line: write_marker's own line as it is; anything else (an older
# script's, a damaged or empty file) through jq, {"invalid": true} when it is not JSON.
# marker_json_into: MARKER_JSON=that line.
marker_json_into() {
  local text=""
  # read stops at a NUL and says so (status 0): no line of write_marker's holds one.
  IFS= read -r -d '' text < "$MARKER" && text=""
  text=${text%$'\n'}
  if [[ $text =~ $RE_MARKER ]]; then MARKER_JSON=$text; return 0; fi
  MARKER_JSON=$(jq -cn --rawfile m "$MARKER" '(try ($m | fromjson) catch {invalid: true}) // {invalid: true}' 2>/dev/null) || MARKER_JSON='{"invalid": true}'
  [[ -n $MARKER_JSON ]] || MARKER_JSON='{"invalid": true}'
}

# Every deploy asks every node this first, so it is built by bash itself (no jq, two
# programs: sha256sum and stat): every value is checked against its alphabet or replaced
# by null. status_into: STATUS_JSON=the line.
status_into() {
  local live version pid marker=null active=false
  [[ -f $MARKER ]] && { marker_json_into; marker=$MARKER_JSON; }
  # An unreadable config is a status without its hash (null), never a session that ends.
  sha_into "$CONFIG" || true
  singbox_version_into; svc_pid_into
  live=$SHA version=$SB_VERSION pid=$SVC_PID
  [[ $live =~ $RE_HEX64 ]] && live="\"$live\"" || live=null
  [[ $version =~ $RE_VERSION && $version != none ]] && version="\"$version\"" || version=null
  [[ $pid =~ ^[0-9]{1,10}$ ]] || pid=0
  [[ $pid != 0 ]] && active=true
  [[ $BOXFLEET_SERVICE_MANAGER =~ ^[a-z]{1,16}$ ]] || die 1 "unknown BOXFLEET_SERVICE_MANAGER"
  printf -v STATUS_JSON '{"active":%s,"config_sha256":%s,"main_pid":%s,"manager":"%s","marker":%s,"script_version":%s,"singbox_version":%s}' \
    "$active" "$live" "$pid" "$BOXFLEET_SERVICE_MANAGER" "$marker" "$SCRIPT_VERSION" "$version"
}
cmd_status() { status_into; say "$STATUS_JSON"; }
