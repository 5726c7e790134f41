#!/bin/bash
# boxfleet-node: the one privileged script on a boxfleet node (installed by `fleet bootstrap`
# at /usr/local/sbin/boxfleet-node). The deploy user's sudo allows this script with the
# argument shapes of /etc/sudoers.d/boxfleet (scripts/deploy/privileges.ts) and nothing
# else, and the deployer only ever calls it, so the remote path that runs in tests is the
# one that runs in production. Behind it sits a service manager: systemd on real nodes,
# PID files on test hosts (BOXFLEET_SERVICE_MANAGER in /etc/boxfleet/node.env).
#
# The boundary: whoever holds the deploy key can deploy configs, but cannot become root
# or install a binary. Root-run code and settings (this script, units, sudoers, sshd,
# node.env, the pin key) change only through `bootstrap`, which sudo never grants the
# deploy user; the deploy user's `refresh` writes only data files. A sing-box release is
# installed only with a pin signed by the fleet's pin key (/etc/boxfleet/singbox-pin.pub,
# written by root). Uploads are copied without following links and only when the caller
# owns them; every root write goes to a root-owned place and is renamed into position.
#
# Exit codes: 0 ok; 1 failed; 2 usage; 3 nothing there (no marker, not running);
# 10 check failed (nothing swapped); 11 failed after the swap and rolled back (the old
# config runs); 12 failed and the rollback failed too; 13 the deploy lock is not held by
# the caller (or is held by someone else); 14 uploaded file does not have the expected hash
# or the pin's signature does not verify; 15 the change needs a bootstrap as root.
set -euo pipefail
umask 022
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C

readonly SCRIPT_VERSION=1
readonly ENV_FILE=/etc/boxfleet/node.env
readonly CONFIG_DIR=/etc/sing-box
readonly CONFIG=$CONFIG_DIR/config.json
readonly PREV=$CONFIG.prev
readonly NEW=$CONFIG.new
readonly STATE_DIR=/var/lib/boxfleet
readonly MARKER=$STATE_DIR/deployed.json
readonly FW_STATE=$STATE_DIR/firewall.nft
readonly LOCK=/run/boxfleet.lock
readonly LOCK_OWNER=/run/boxfleet.lock.owner
readonly PIDFILE=/run/sing-box.pid
readonly SVC_LOG=/var/log/sing-box.log
readonly PY=/usr/bin/python3   # bootstrap and uploads only; never on a deploy's path
readonly SINGBOX=/usr/local/bin/sing-box
readonly PIN_PUB=/etc/boxfleet/singbox-pin.pub
readonly MAX_CONFIG_BYTES=4194304
readonly MAX_RELEASE_BYTES=268435456
readonly RE_HEX64='^[0-9a-f]{64}$' RE_TOKEN='^[0-9a-f]{32}$' RE_VERSION='^[0-9A-Za-z.+-]{1,40}$'
readonly RE_ARCH='^(amd64|arm64)$' RE_SIG='^[A-Za-z0-9+/]{86}==$'

say() { printf '%s\n' "$*" 2>/dev/null || true; }        # never die on a closed pipe
err() { printf 'boxfleet-node: %s\n' "$*" >&2 2>/dev/null || true; }
die() { err "$2"; exit "$1"; }

# ---- settings: parsed, not sourced, so node.env can only set BOXFLEET_* values ----------
BOXFLEET_SERVICE_MANAGER=systemd
BOXFLEET_TEST_HOST=0
BOXFLEET_SSH_PORT=22
BOXFLEET_MONITOR_ADDR=
BOXFLEET_EXTRA_TCP_PORTS=
BOXFLEET_FIREWALL=nftables
BOXFLEET_SETTLE_SEC=2
BOXFLEET_START_TIMEOUT_SEC=15
if [[ -r $ENV_FILE ]]; then
  while IFS= read -r line; do
    [[ $line =~ ^(BOXFLEET_[A-Z_]+)=([A-Za-z0-9_.:,/-]*)$ ]] && printf -v "${BASH_REMATCH[1]}" '%s' "${BASH_REMATCH[2]}"
  done < "$ENV_FILE"
fi

sha_of() { if [[ -f $1 ]]; then sha256sum "$1" | cut -d' ' -f1; else echo none; fi; }

# Every option value is checked here as well as by sudo: sudo matches the arguments joined
# by spaces, so one argument holding a space could shift the others.
need() { [[ ${2:-} =~ $3 ]] || die 2 "bad $1"; }

# Copies an uploaded file to a root-owned DEST: opened without following a link the
# caller may have planted, it must be a regular file owned by the caller (sudo's
# SUDO_UID; root when root runs it), at most MAX bytes; DEST is written through a fresh
# temp file.
take_upload() {
  "$PY" - "$1" "$2" "$3" "${SUDO_UID:-0}" <<'PYEOF'
import os, stat, sys
src, dest, cap, uid = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def fail(msg):
    sys.exit("boxfleet-node: upload %s %s" % (src, msg))
try:
    fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
except OSError as e:
    fail("cannot be opened (%s): a link or a missing file" % e.strerror)
st = os.fstat(fd)
if not stat.S_ISREG(st.st_mode): fail("is not a regular file")
# The caller's own file: under sudo a root-owned file (a hard link to /etc/shadow, say) is not.
if st.st_uid != uid: fail("is not the caller's file")
if st.st_size > cap: fail("is larger than %d bytes" % cap)
tmp = dest + ".boxfleet-tmp"
try: os.unlink(tmp)
except FileNotFoundError: pass
out = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
total = 0
while True:
    chunk = os.read(fd, 1 << 20)
    if not chunk: break
    total += len(chunk)
    if total > cap:
        os.close(out); os.unlink(tmp); fail("grew past %d bytes" % cap)
    os.write(out, chunk)
os.close(out)
os.replace(tmp, dest)
PYEOF
}

# Where a config makes sing-box write (a root process): only under its state directory,
# so a deployed config cannot write /etc/cron.d or replace a binary. Read paths (an
# operator's certificate files) are left alone: reading is not writing. Keys that write:
# output (the log file), external_ui (a downloaded dashboard), data_directory (ACME
# certificates and account), and path under cache_file.
config_policy() {
  local bad
  jq -e . "$1" > /dev/null 2>&1 || return 0   # not JSON: sing-box check says why
  bad=$(jq -r '
    [paths(type == "string") as $p
      | select(($p[-1] | IN("output", "external_ui", "data_directory")) or ($p[-1] == "path" and ($p | length) > 1 and $p[-2] == "cache_file"))
      | {where: ($p | map(if type == "number" then "[\(.)]" else ".\(.)" end) | join("")), value: getpath($p)}
      | select((.value | split("/") | index("..")) or ((.value | startswith("/")) and (.value | startswith("/var/lib/sing-box/") | not)))
      | .where] | .[:5] | join(", ")' "$1") || return 1
  [[ -z $bad ]] || { err "the config makes sing-box write outside /var/lib/sing-box: ${bad//\]\./].}"; return 1; }
}

machine_arch() { case $(uname -m) in x86_64) echo amd64 ;; aarch64|arm64) echo arm64 ;; *) uname -m ;; esac; }

# `sing-box version` is a Go program's start-up on every status: the answer is kept
# beside the binary's identity (inode, size, mtime) and asked again only when that changes.
singbox_version() {
  [[ -x $SINGBOX ]] || { echo none; return; }
  local id cache=$STATE_DIR/singbox-version v
  id=$(stat -c '%i %s %Y' "$SINGBOX")
  if [[ -f $cache ]] && IFS='|' read -r cid v < "$cache" && [[ $cid == "$id" && $v =~ $RE_VERSION ]]; then echo "$v"; return; fi
  v=$("$SINGBOX" version 2>/dev/null | sed -n '1s/^sing-box version \([^ ]*\).*/\1/p')
  [[ $v =~ $RE_VERSION ]] && { mkdir -p "$STATE_DIR"; printf '%s|%s\n' "$id" "$v" > "$cache.tmp" && mv -f "$cache.tmp" "$cache"; } 2>/dev/null
  echo "$v"
}
