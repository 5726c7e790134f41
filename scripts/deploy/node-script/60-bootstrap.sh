# `bootstrap` (root only: sudo never grants it to the deploy user) writes every file of the
# manifest, the deploy user and its key; `refresh` (the deploy user) writes only data files
# (TLS certificate and key, monitoring data) and refuses, with exit 15, when anything root
# runs or trusts would change. Both read the manifest (scripts/deploy/bootstrap-files.ts)
# from stdin, so no path the caller names is ever opened as root.
# Programs the node script and the metrics script run, each with the Debian package that has it.
readonly NEEDED_PROGRAMS='jq:jq flock:util-linux setsid:util-linux runuser:util-linux ss:iproute2 nft:nftables sha256sum:coreutils openssl:openssl base64:coreutils curl:curl'
readonly MAX_MANIFEST_BYTES=16777216
# Where a manifest may write; the second list is what the deploy user's refresh may change:
# data that no root process runs or trusts.
readonly MANIFEST_PATHS='^(/etc/boxfleet/|/etc/sing-box/tls/|/etc/systemd/system/sing-box\.service$|/etc/systemd/system/boxfleet-|/etc/sysctl\.d/90-boxfleet|/etc/ssh/sshd_config\.d/90-boxfleet|/etc/sudoers\.d/boxfleet|/etc/systemd/timesyncd\.conf\.d/boxfleet|/etc/chrony/conf\.d/boxfleet|/usr/local/sbin/boxfleet-|/usr/local/lib/boxfleet/|/etc/default/prometheus-node-exporter$|/var/lib/prometheus/node-exporter/)'
readonly DATA_PATHS='^(/etc/sing-box/tls/|/var/lib/prometheus/node-exporter/|/etc/default/prometheus-node-exporter$)'

# A bootstrap as root installs what is missing (Debian and Ubuntu); otherwise it refuses
# with the command that would.
require_programs() {
  local missing=() packages=() entry
  for entry in $NEEDED_PROGRAMS; do
    command -v "${entry%%:*}" > /dev/null || { missing+=("${entry%%:*}"); packages+=("${entry#*:}"); }
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $1 == bootstrap && $BOXFLEET_TEST_HOST != 1 ]] && command -v apt-get > /dev/null; then
    say "installing ${packages[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}" > /dev/null 2>&1 && return 0
  fi
  die 1 "this node lacks ${missing[*]}: install them (apt-get install ${packages[*]}) and run the bootstrap again"
}

# The manifest's shape, before anything in it is used.
manifest_valid() {
  jq -e '(.files | type == "array") and all(.files[]; (.path | type == "string" and test("^/[A-Za-z0-9._/-]{1,200}$"))
      and (.mode | type == "number" and . >= 0 and . <= 511 and floor == .) and (.content | type == "string"))
    and (.deploy_user | type == "string") and (.authorized_key | type == "string")
    and ((has("collector_user") | not) or ((.collector_user | type == "string") and (.collector_key | type == "string")))
    and (.initial_ports | type == "array") and all(.initial_ports[]; type == "string" and test("^(tcp|udp) [0-9]{1,5}$"))' "$1" > /dev/null 2>&1
}

# Same bytes and mode already in place (a link never counts as the same).
file_current() {
  [[ -f $1 && ! -L $1 ]] && cmp -s "$2" "$1" && [[ $(stat -c %a "$1") == "$(printf '%o' "$3")" ]]
}

# Writes $2 to $1 with mode $3 through a fresh temp file beside it, renamed into place.
# Only into directories that root alone may change (each one up to /): there nobody can
# swap the temp file for a link between its creation, its chmod and the rename.
file_write() {
  local path=$1 src=$2 mode=$3 tmp=$1.boxfleet-tmp dir
  mkdir -p "$(dirname "$path")"
  dir=$(dirname "$path")
  while [[ $dir != / ]]; do
    [[ -z $(find "$dir" -maxdepth 0 \( ! -user root -o -perm /022 \) -print) ]] || die 1 "refusing to write $path: $dir may be changed by someone other than root"
    dir=$(dirname "$dir")
  done
  rm -f "$tmp"
  ( umask 077; set -C; cat "$src" > "$tmp" ) || die 1 "cannot write $tmp"
  chmod "$(printf '%o' "$mode")" "$tmp"
  if [[ $path == /etc/sudoers.d/* ]] && ! visudo -cqf "$tmp" > /dev/null 2>&1; then
    rm -f "$tmp"; die 1 "visudo rejected $path"   # a broken sudoers file would lock the deploy user out
  fi
  mv -fT "$tmp" "$path"
  say "changed $path"
}

# Every file of the manifest, written only when different; a refresh lists what it may not write.
manifest_files() {
  local manifest=$1 mode=$2 path fmode content
  while read -r fmode path content; do
    [[ $path =~ $MANIFEST_PATHS && /$path/ != */../* ]] || die 1 "refusing to write $path (not a boxfleet path)"
    base64 -d <<< "$content" > "$WORK/file" 2>/dev/null || die 1 "the content of $path is not base64"
    file_current "$path" "$WORK/file" "$fmode" && continue
    if [[ $mode == refresh && ! $path =~ $DATA_PATHS ]]; then NEEDS_ROOT+=("$path"); continue; fi
    file_write "$path" "$WORK/file" "$fmode"
  done < <(jq -r '.files[] | "\(.mode) \(.path) \(.content)"' "$manifest")
}

# The deploy user and its key, and the usage collector's when the fleet has one.
manifest_user() {
  local manifest=$1 mode=$2
  manifest_one_user "$(jq -r .deploy_user "$manifest")" "$(jq -r .authorized_key "$manifest")" "$mode"
  if jq -e 'has("collector_user")' "$manifest" > /dev/null; then
    manifest_one_user "$(jq -r .collector_user "$manifest")" "$(jq -r .collector_key "$manifest")" "$mode"
  fi
}

# One user and its key. Its home belongs to that user, who may have planted links there:
# the key is written by the user itself (runuser), so a link leads nowhere the user could
# not write anyway; a linked .ssh is refused outright.
manifest_one_user() {
  local user=$1 key=$2 mode=$3 home
  [[ $user =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || die 1 "bad deploy user name"
  [[ $key =~ ^ssh-[a-z0-9-]+\ [A-Za-z0-9+/=]+$ ]] || die 1 "bad authorized key"
  if ! id -u "$user" > /dev/null 2>&1; then
    [[ $mode == refresh ]] && { NEEDS_ROOT+=("user $user"); return 0; }
    useradd --create-home --shell /bin/bash --password '*' "$user"
    say "changed user $user"
  fi
  home=$(getent passwd "$user" | cut -d: -f6)
  [[ $home == /* ]] || die 1 "the deploy user $user has no home directory"
  [[ $(as_user "$user" cat -- "$home/.ssh/authorized_keys" 2>/dev/null) == "$key" ]] && return 0
  [[ $mode == refresh ]] && { NEEDS_ROOT+=("$home/.ssh/authorized_keys"); return 0; }
  as_user "$user" /bin/bash -c '
    set -e; cd -- "$1"
    if [[ -L .ssh ]]; then exit 3; fi
    umask 077; mkdir -p .ssh; chmod 700 .ssh
    rm -f .ssh/authorized_keys.boxfleet-tmp
    printf "%s\n" "$2" > .ssh/authorized_keys.boxfleet-tmp
    mv -fT .ssh/authorized_keys.boxfleet-tmp .ssh/authorized_keys' _ "$home" "$key" \
    || die 1 "cannot write $home/.ssh/authorized_keys without following a link: remove what the deploy user put there"
  say "changed $home/.ssh/authorized_keys"
}

# A command as USER (never as root), bounded: a FIFO planted in place of a file must not hang us.
as_user() { local user=$1; shift; timeout 10 runuser -u "$user" -- "$@" < /dev/null; }

cmd_bootstrap() {
  local mode=$1
  take_lock
  require_programs "$mode"
  mkdir -p "$STATE_DIR" "$CONFIG_DIR" /var/lib/sing-box
  WORK=$(mktemp -d /run/boxfleet-bootstrap.XXXXXXXX)
  trap 'rm -rf "$WORK"' EXIT
  local manifest=$WORK/manifest.json
  read_stdin "$manifest" "$MAX_MANIFEST_BYTES" manifest
  manifest_valid "$manifest" || die 1 "the manifest is not one boxfleet wrote (see scripts/deploy/bootstrap-files.ts)"
  NEEDS_ROOT=()
  manifest_files "$manifest" "$mode"
  manifest_user "$manifest" "$mode"
  [[ ${#NEEDS_ROOT[@]} -eq 0 ]] || die 15 "only a bootstrap as root may change: $(IFS=,; echo "${NEEDS_ROOT[*]}" | sed 's/,/, /g')"
  # The firewall below admits the SSH port, the monitoring host and port 80 that node.env
  # names now: a first bootstrap (or one that moved SSH) must not shut the door it came in by.
  load_settings
  # node_exporter's textfile collector directory (Debian's default), for the metrics timer.
  mkdir -p /var/lib/prometheus/node-exporter
  local ports=()
  [[ -f $CONFIG ]] || mapfile -t ports < <(jq -r '.initial_ports[]' "$manifest")
  firewall_apply "${ports[@]}" | sed 's/^firewall changed$/changed firewall/'
  [[ $mode == bootstrap ]] || return 0
  # Machine-wide steps: written above on every host, applied only on real nodes.
  if [[ $BOXFLEET_TEST_HOST == 1 ]]; then
    say "skipped machine-wide steps (test host): sysctl, systemd units, sshd reload, time sync"
  else
    sysctl -q -p /etc/sysctl.d/90-boxfleet-bbr.conf > /dev/null || err "could not apply BBR sysctls"
    systemctl daemon-reload
    systemctl enable --quiet sing-box.service
    for t in boxfleet-watchdog.timer boxfleet-metrics.timer; do
      [[ -f /etc/systemd/system/$t ]] && systemctl enable --now --quiet "$t"
    done
    command -v chronyd > /dev/null || systemctl enable --now --quiet systemd-timesyncd || err "could not enable time sync"
    sshd -t && systemctl reload ssh || err "sshd config test failed; sshd not reloaded"
  fi
}
# The watchdog timer's job: restart sing-box when it is not running (never while a deploy
# holds the lock, which may be restarting it on purpose).
cmd_watchdog() {
  [[ -f $CONFIG ]] || exit 0
  # Running: fold its counters (a crash then loses at most one tick's count).
  [[ $(svc_pid) != 0 ]] && { usage_fold; exit 0; }
  exec 9>>"$LOCK"
  flock -n 9 || exit 0
  err "sing-box is not running; restarting it"
  local old; old=$(svc_pid)
  svc_restart && verify_started "$old"
}
