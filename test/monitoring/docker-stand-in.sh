#!/bin/sh
# docker STAND-IN FOR TESTS. This is NOT Docker: nothing is pulled, built or started.
# test/monitoring/deploy-ssh.test.ts installs it as /usr/local/bin/docker on a harness
# host that plays the monitoring host. Every call appends one line to its log (caller's
# uid, working directory, arguments). The compose subcommands `fleet monitoring deploy`
# may use exit 0 when a docker-compose.yml is in the working directory (as real compose
# needs); any other call exits 1, so an unexpected command shows up as a failure.
log=${DOCKER_STAND_IN_LOG:-/var/log/docker-stand-in.log}
printf 'uid=%s cwd=%s args=%s\n' "$(id -u)" "$PWD" "$*" >> "$log"
case "$1" in
  version|--version) echo 'Docker version 0.0.0 (boxfleet test stand-in)'; exit 0 ;;
  compose)
    case "$2" in
      version) echo 'Docker Compose version v0.0.0 (boxfleet test stand-in)'; exit 0 ;;
      up|ps|kill|down|restart|pull|config)
        if [ ! -f docker-compose.yml ]; then echo 'no configuration file provided: not found' >&2; exit 1; fi
        exit 0 ;;
    esac ;;
esac
echo "docker stand-in: unsupported call: docker $*" >&2
exit 1
