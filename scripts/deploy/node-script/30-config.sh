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
  live=$(sha_of "$CONFIG")
  [[ $sha == "$live" ]] || { err "marker hash does not match the live config ($live)"; return 1; }
  mkdir -p "$STATE_DIR"
  printf '{"commit": "%s", "config_sha256": "%s", "deployed_at": "%s", "singbox_version": "%s"%s}\n' \
    "$commit" "$live" "$at" "$(singbox_version)" "${usage:+, \"usage_commit\": \"$usage\"}" > "$MARKER.tmp" && mv -f "$MARKER.tmp" "$MARKER"
}

# One jq for the whole answer (every deploy asks every node): the marker is read raw and
# parsed inside it, so a damaged or empty marker reads as {"invalid": true}.
cmd_status() {
  local live version pid marker=/dev/null present=false
  [[ -f $MARKER ]] && { marker=$MARKER; present=true; }
  live=$(sha_of "$CONFIG"); version=$(singbox_version); pid=$(svc_pid)
  jq -cnS --arg live "$live" --arg version "$version" --argjson pid "$pid" --arg manager "$BOXFLEET_SERVICE_MANAGER" \
    --rawfile marker "$marker" --argjson present "$present" --argjson script "$SCRIPT_VERSION" \
    '{config_sha256: (if $live == "none" then null else $live end), singbox_version: (if $version == "" or $version == "none" then null else $version end),
      main_pid: $pid, active: ($pid != 0), manager: $manager, script_version: $script,
      marker: (if $present then (try ($marker | fromjson) catch {invalid: true}) // {invalid: true} else null end)}'
}
