# ---- firewall: the boxfleet-owned table, replaced in one nft transaction ---------------
# firewall_ruleset SPEC…: RULES=the table for these ports.
firewall_ruleset() {
  local tcp udp extra="" p proto spec extra_tcp=()
  # Ports as indices of sparse arrays: bash lists them in ascending order, each once.
  local -a tcp_set=() udp_set=()
  IFS=, read -r -a extra_tcp <<< "$BOXFLEET_EXTRA_TCP_PORTS"
  for p in "$BOXFLEET_SSH_PORT" "${extra_tcp[@]}"; do [[ $p =~ ^[0-9]{1,5}$ ]] && tcp_set[10#$p]=1; done
  for spec in "$@"; do
    read -r proto p <<< "$spec"
    [[ $p =~ ^[0-9]{1,5}$ ]] || continue
    case $proto in tcp) tcp_set[10#$p]=1 ;; udp) udp_set[10#$p]=1 ;; esac
  done
  local IFS=,
  tcp="${!tcp_set[*]}"
  udp="${!udp_set[*]}"
  # Optional lines, built apart: a "}" inside ${var:+...} would end the expansion.
  [[ -n $udp ]] && extra+=$'\n'"    udp dport { $udp } accept"
  if [[ -n $BOXFLEET_MONITOR_ADDR ]]; then
    if [[ $BOXFLEET_MONITOR_ADDR == *:* ]]; then extra+=$'\n'"    ip6 saddr $BOXFLEET_MONITOR_ADDR accept"
    else extra+=$'\n'"    ip saddr $BOXFLEET_MONITOR_ADDR accept"; fi
  fi
  # Into RULES, without a here-document's `cat` (a process on every deploy).
  printf -v RULES '%s\n' 'table inet boxfleet {' '  chain input {' '    type filter hook input priority 0; policy drop;' \
    '    iif "lo" accept' '    ct state established,related accept' '    ct state invalid drop' \
    '    meta l4proto { icmp, ipv6-icmp } accept' "    tcp dport { $tcp } accept$extra" '  }' '}'
  RULES=${RULES%$'\n'}
}

# Brings the open ports in line with the live config (or, before the first deploy, with
# the "tcp 443"-style specs given). Prints "firewall changed" / "firewall unchanged".
firewall_apply() {
  [[ $BOXFLEET_FIREWALL == nftables ]] || { say "firewall skipped (BOXFLEET_FIREWALL=$BOXFLEET_FIREWALL)"; return 0; }
  local specs=() rules
  if [[ $# -gt 0 ]]; then specs=("$@"); else mapfile -t specs < <(config_ports "$CONFIG"); fi
  local kept=""
  firewall_ruleset "${specs[@]}"; rules=$RULES
  [[ -f $FW_STATE ]] && { IFS= read -r -d '' kept < "$FW_STATE" || true; }
  if [[ -f $FW_STATE && ${kept%$'\n'} == "$rules" ]] && nft list table inet boxfleet > /dev/null 2>&1; then
    say "firewall unchanged"; return 0
  fi
  printf 'table inet boxfleet\ndelete table inet boxfleet\n%s\n' "$rules" | nft -f - || { err "nft rejected the ruleset"; return 1; }
  mkdir -p "$STATE_DIR"
  printf '%s\n' "$rules" > "$FW_STATE.tmp" && mv -f "$FW_STATE.tmp" "$FW_STATE"
  say "firewall changed"
}
