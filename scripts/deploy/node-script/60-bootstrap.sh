# `bootstrap MANIFEST` (root only: sudo never grants it to the deploy user) writes every
# file of the manifest, the deploy user and its key; `refresh MANIFEST` (the deploy user)
# writes only data files (TLS certificate and key, monitoring data) and refuses, with exit
# 15, when anything root runs or trusts would change.
# Programs the node script runs, each with the Debian package that has it.
readonly NEEDED_PROGRAMS='jq:jq flock:util-linux setsid:util-linux ss:iproute2 nft:nftables sha256sum:coreutils openssl:openssl python3:python3-minimal'

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

cmd_bootstrap() {
  local mode=$1 upload=$2 token=${4:-}
  require_lock "$token"
  require_programs "$mode"
  mkdir -p "$STATE_DIR" "$CONFIG_DIR" /var/lib/sing-box
  WORK=$(mktemp -d /run/boxfleet-bootstrap.XXXXXXXX)
  trap 'rm -rf "$WORK"' EXIT
  take_upload "$upload" "$WORK/manifest.json" "$MAX_RELEASE_BYTES" || exit 1
  local manifest=$WORK/manifest.json
  # Files: written only when different, through a fresh temp file, and only under the allowed prefixes.
  "$PY" - "$manifest" "$mode" <<'PYEOF'
import base64, json, os, pwd, stat, subprocess, sys
ALLOWED = ("/etc/boxfleet/", "/etc/sing-box/tls/", "/etc/systemd/system/sing-box.service",
           "/etc/systemd/system/boxfleet-", "/etc/sysctl.d/90-boxfleet", "/etc/ssh/sshd_config.d/90-boxfleet",
           "/etc/sudoers.d/boxfleet", "/etc/systemd/timesyncd.conf.d/boxfleet", "/etc/chrony/conf.d/boxfleet",
           "/usr/local/sbin/boxfleet-", "/usr/local/lib/boxfleet/", "/etc/default/prometheus-node-exporter",
           "/var/lib/prometheus/node-exporter/")
# What the deploy user's refresh may change: data that no root process runs or trusts.
DATA = ("/etc/sing-box/tls/", "/var/lib/prometheus/node-exporter/", "/etc/default/prometheus-node-exporter")
m = json.load(open(sys.argv[1]))
refresh = sys.argv[2] == "refresh"
needs_root = []

def same(path, data, mode):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    with os.fdopen(fd, "rb") as f:
        return f.read() == data and (os.fstat(f.fileno()).st_mode & 0o7777) == mode

def write(path, data, mode):
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    tmp = path + ".boxfleet-tmp"
    try: os.unlink(tmp)
    except FileNotFoundError: pass
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(tmp, mode)
    if path.startswith("/etc/sudoers.d/"):
        # A broken sudoers file would lock the deploy user out: validate before it lands.
        if subprocess.run(["visudo", "-cqf", tmp]).returncode != 0:
            os.unlink(tmp)
            sys.exit("boxfleet-node: visudo rejected %s" % path)
    os.replace(tmp, path)
    print("changed", path)

for f in m["files"]:
    path, mode, data = f["path"], int(f["mode"]), base64.b64decode(f["content"])
    if ".." in path.split("/") or not path.startswith(ALLOWED):
        sys.exit("boxfleet-node: refusing to write %s (not a boxfleet path)" % path)
    if same(path, data, mode):
        continue
    if refresh and not path.startswith(DATA):
        needs_root.append(path)
        continue
    write(path, data, mode)

# The deploy user and its key. Its home belongs to that user, who may have planted links:
# every step below works on file descriptors opened without following them.
user, key = m["deploy_user"], m["authorized_key"].strip()
import re
if not re.match(r"^[a-z_][a-z0-9_-]{0,31}$", user): sys.exit("boxfleet-node: bad deploy user name")
if "\n" in key or not re.match(r"^ssh-[a-z0-9-]+ [A-Za-z0-9+/=]+$", key): sys.exit("boxfleet-node: bad authorized key")
try:
    pw = pwd.getpwnam(user)
except KeyError:
    pw = None
if pw is None:
    if refresh: needs_root.append("user " + user)
    else:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", "--password", "*", user], check=True)
        print("changed user", user)
        pw = pwd.getpwnam(user)

def key_is_current(pw):
    try:
        home = os.open(pw.pw_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        ssh = os.open(".ssh", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=home)
        fd = os.open("authorized_keys", os.O_RDONLY | os.O_NOFOLLOW, dir_fd=ssh)
        with os.fdopen(fd, "rb") as f:
            return f.read().decode("utf8", "replace").strip() == key
    except OSError:
        return False

def write_key(pw):
    home = os.open(pw.pw_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    st = os.fstat(home)
    if st.st_uid not in (0, pw.pw_uid): sys.exit("boxfleet-node: %s is not owned by %s" % (pw.pw_dir, user))
    try:
        os.mkdir(".ssh", 0o700, dir_fd=home)
    except FileExistsError:
        pass
    ssh = os.open(".ssh", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=home)
    os.fchown(ssh, pw.pw_uid, pw.pw_gid)
    os.fchmod(ssh, 0o700)
    tmp = "authorized_keys.boxfleet-tmp"
    try: os.unlink(tmp, dir_fd=ssh)
    except FileNotFoundError: pass
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=ssh)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
        os.fchown(out.fileno(), pw.pw_uid, pw.pw_gid)
    os.replace(tmp, "authorized_keys", src_dir_fd=ssh, dst_dir_fd=ssh)
    print("changed %s/.ssh/authorized_keys" % pw.pw_dir)

if pw is not None and not key_is_current(pw):
    if refresh:
        needs_root.append(pw.pw_dir + "/.ssh/authorized_keys")
    else:
        try:
            write_key(pw)
        except OSError as e:
            sys.exit("boxfleet-node: cannot write %s/.ssh/authorized_keys without following a link (%s): remove what the deploy user put there" % (pw.pw_dir, e.strerror))

if needs_root:
    print("boxfleet-node: only a bootstrap as root may change: " + ", ".join(needs_root), file=sys.stderr)
    sys.exit(15)
PYEOF
  # node_exporter's textfile collector directory (Debian's default), for the metrics timer.
  mkdir -p /var/lib/prometheus/node-exporter
  local ports=()
  [[ -f $CONFIG ]] || mapfile -t ports < <("$PY" -c 'import json,sys; [print(p) for p in json.load(open(sys.argv[1]))["initial_ports"]]' "$manifest")
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
  [[ $(svc_pid) != 0 ]] && exit 0
  exec 9>>"$LOCK"
  flock -n 9 || exit 0
  err "sing-box is not running; restarting it"
  local old; old=$(svc_pid)
  svc_restart && verify_started "$old"
}
