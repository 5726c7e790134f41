#!/bin/bash
# The floor: the same rollout as `fleet deploy` with nothing but parallel ssh/scp over
# warm ControlMasters. Per node: compare the live config's hash (1 round trip), upload
# with scp (1), then check, back up, swap, restart, wait for the port and write the marker
# in one remote script (1). No lock, no health check from outside, no rollback, no canary.
#
# usage: bare.sh SSH_CONFIG PLAN
#   SSH_CONFIG  ssh_config with host keys, identity and ControlMaster/ControlPersist
#   PLAN        one line per node: NAME ADDRESS CONFIG_FILE SHA256 VERSION COMMIT DEPLOYED_AT
# env BARE_CANARY=1: the first node alone first, the rest after it (boxfleet's sequencing);
# env BARE_SETTLE=SEC: after the port is up, wait SEC and check the new PID is still alive.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cfg=$1
mapfile -t plan < "$2"

remote=$(cat <<'EOS'
set -euo pipefail
sha=$1 version=$2 commit=$3 at=$4
staged=/var/lib/boxfleet/bare-staged.json live=/etc/sing-box/config.json
/usr/local/bin/sing-box check -c "$staged"
[ -f "$live" ] && cp -p "$live" "$live.prev"
install -m 0640 "$staged" "$live.new" && mv -f "$live.new" "$live"
EOS
)
remote+=$'\n'$(cat "$here/restart.sh")
remote+=$'\n'$(cat <<'EOS'
for _ in $(seq 500); do ss -Hltn 'sport = :443' | grep -q . && break; sleep 0.02; done
ss -Hltn 'sport = :443' | grep -q . || { echo "port 443 not listening" >&2; exit 1; }
if [ "${5:-0}" != 0 ]; then sleep "$5"; alive "$(cat "$pidfile")" || { echo "sing-box did not stay up" >&2; exit 1; }; fi
printf '{"commit": "%s", "config_sha256": "%s", "deployed_at": "%s", "singbox_version": "%s"}\n' "$commit" "$sha" "$at" "$version" > /var/lib/boxfleet/deployed.json.tmp
mv -f /var/lib/boxfleet/deployed.json.tmp /var/lib/boxfleet/deployed.json
EOS
)

one() {
  local name=$1 ip=$2 file=$3 sha=$4 version=$5 commit=$6 at=$7 live
  live=$(ssh -F "$cfg" "root@$ip" "sha256sum /etc/sing-box/config.json 2>/dev/null | cut -d' ' -f1" < /dev/null) || { echo "$name: unreachable" >&2; return 1; }
  if [ "$live" = "$sha" ]; then echo "$name unchanged"; return 0; fi
  scp -F "$cfg" -q "$file" "root@$ip:/var/lib/boxfleet/bare-staged.json" < /dev/null || { echo "$name: upload failed" >&2; return 1; }
  ssh -F "$cfg" "root@$ip" bash -s -- "$sha" "$version" "$commit" "$at" "${BARE_SETTLE:-0}" <<< "$remote" || { echo "$name: apply failed" >&2; return 1; }
  echo "$name deployed"
}

rc=0
if [ "${BARE_CANARY:-0}" = 1 ]; then
  # shellcheck disable=SC2086
  one ${plan[0]} || exit 1
  plan=("${plan[@]:1}")
fi
pids=()
for line in "${plan[@]}"; do
  # shellcheck disable=SC2086
  one $line &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || rc=1; done
exit $rc
