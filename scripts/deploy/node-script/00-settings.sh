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
# written by root). Data arrives on stdin, never as a path the caller names; every root
# write goes to a root-owned place and is renamed into position.
#
# Exit codes: 0 ok; 1 failed; 2 usage; 3 nothing there (no marker, not running);
# 10 check failed (nothing swapped); 11 failed after the swap and rolled back (the old
# config runs); 12 failed and the rollback failed too; 13 another deploy holds the lock;
# 14 what was sent is incomplete, too large or not what its hash or the pin's signature
# says; 15 the change needs a bootstrap as root.
set -euo pipefail
umask 022
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C

# 2: held sessions, no path-taking subcommands; 3: the marker may name the status commit
# of the quotas (a deployer sends it only to a node that says 3 or more); 4: a config may
# be staged (checked while the canary is proven, swapped on the deployer's word).
readonly SCRIPT_VERSION=4
readonly ENV_FILE=/etc/boxfleet/node.env
readonly CONFIG_DIR=/etc/sing-box
readonly CONFIG=$CONFIG_DIR/config.json
readonly PREV=$CONFIG.prev
readonly NEW=$CONFIG.new
readonly STATE_DIR=/var/lib/boxfleet
readonly MARKER=$STATE_DIR/deployed.json
readonly FW_STATE=$STATE_DIR/firewall.nft
readonly LOCK=/run/boxfleet.lock
readonly PIDFILE=/run/sing-box.pid
readonly SVC_LOG=/var/log/sing-box.log
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
load_settings() {
  [[ -r $ENV_FILE ]] || return 0
  local line
  while IFS= read -r line; do
    [[ $line =~ ^(BOXFLEET_[A-Z_]+)=([A-Za-z0-9_.:,/-]*)$ ]] && printf -v "${BASH_REMATCH[1]}" '%s' "${BASH_REMATCH[2]}"
  done < "$ENV_FILE"
}
load_settings

# The status path of every deploy sets globals instead of printing into $(…): each command
# substitution is a fork, a few ms of a small VM's CPU per node and per deploy.
# sha_into FILE: SHA=the file's sha256, or none (and status 1 when the file cannot be read).
sha_into() { SHA=none; [[ -f $1 ]] || return 0; SHA=$(sha256sum "$1") || { SHA=none; return 1; }; SHA=${SHA%% *}; }
sha_of() { sha_into "$1"; echo "$SHA"; }

# Every option value is checked here as well as by sudo: sudo matches the arguments joined
# by spaces, so one argument holding a space could shift the others.
need() { [[ ${2:-} =~ $3 ]] || die 2 "bad $1"; }

# Reads all of stdin into DEST (root-owned, in the private $WORK), refusing more than CAP
# bytes: nothing the caller sends is a path, so no link it plants is ever opened as root.
read_stdin() {
  local dest=$1 cap=$2 got
  head -c "$((cap + 1))" > "$dest"
  got=$(stat -c %s "$dest")
  (( got <= cap )) || die 14 "the $3 is larger than $cap bytes"
}

# Where a config makes sing-box write (a root process): only under its state directory,
# so a deployed config cannot write /etc/cron.d or replace a binary. Read paths (an
# operator's certificate files) are left alone: reading is not writing. Keys that write:
# output (the log file), external_ui (a downloaded dashboard), data_directory (ACME
# certificates and account), and path under cache_file.
# The same jq run lists the config's ports (config_ports) into POLICY_PORTS: a deploy asks
# jq once per config: each program start is felt on a small VPS.
config_policy() {
  local out bad
  POLICY_PORTS=""
  # Only when jq fails is it asked why: not JSON (sing-box check says so) passes on,
  # anything else refuses.
  out=$(jq -r '(
    [paths(type == "string") as $p
      | select(($p[-1] | IN("output", "external_ui", "data_directory")) or ($p[-1] == "path" and ($p | length) > 1 and $p[-2] == "cache_file"))
      | {where: ($p | map(if type == "number" then "[\(.)]" else ".\(.)" end) | join("")), value: getpath($p)}
      | select((.value | split("/") | index("..")) or ((.value | startswith("/")) and (.value | startswith("/var/lib/sing-box/") | not)))
      | .where] | .[:5] | join(", ")), ('"$JQ_PORTS"')' "$1" 2>/dev/null) || { jq -e . "$1" > /dev/null 2>&1 && return 1; return 0; }
  bad=${out%%$'\n'*}
  [[ $out == *$'\n'* ]] && POLICY_PORTS=${out#*$'\n'}
  [[ -z $bad ]] || { err "the config makes sing-box write outside /var/lib/sing-box: ${bad//\]\./].}"; return 1; }
}

machine_arch() { case $(uname -m) in x86_64) echo amd64 ;; aarch64|arm64) echo arm64 ;; *) uname -m ;; esac; }

# `sing-box version` is a Go program's start-up on every status: the answer is kept
# beside the binary's identity (inode, size, mtime) and asked again only when that changes.
# singbox_version_into: SB_VERSION=the version, or none. Never fails: it runs in the
# script's own shell under `set -e`, and a binary that cannot say its version (another
# CPU's, truncated) must give a status with no version, so that the deploy reinstalls it,
# not a session that ends before its status.
singbox_version_into() {
  SB_VERSION=none
  [[ -x $SINGBOX ]] || return 0
  local id cache=$STATE_DIR/singbox-version cid v
  id=$(stat -c '%i %s %Y' "$SINGBOX") || return 0
  if [[ -f $cache ]] && IFS='|' read -r cid v < "$cache" && [[ $cid == "$id" && $v =~ $RE_VERSION ]]; then SB_VERSION=$v; return 0; fi
  v=$("$SINGBOX" version 2>/dev/null | sed -n '1s/^sing-box version \([^ ]*\).*/\1/p') || v=""
  [[ $v =~ $RE_VERSION ]] && { mkdir -p "$STATE_DIR"; printf '%s|%s\n' "$id" "$v" > "$cache.tmp" && mv -f "$cache.tmp" "$cache"; } 2>/dev/null
  SB_VERSION=$v
}
singbox_version() { singbox_version_into; echo "$SB_VERSION"; }
