#!/bin/sh
# Run in the officer's desktop session (as a user service, or from the
# session's autostart), the user being in group sohoa:
#   desk-listen.sh STATION [HOOK...]   (default hooks: notify.sh speak.sh)
# Follows /run/sohoa-desk/events-STATION, which relay.sh (the station's on_event
# hook) writes, and runs each HOOK for every new event with the same
# SOHOA_EVENT, SOHOA_STATION, SOHOA_MESSAGE_VI and SOHOA_MESSAGE_EN that
# sohoa-scand gives its hooks, here with the session's bus and sound.
station=${1:?usage: desk-listen.sh STATION [HOOK...]}
shift
here=$(dirname "$0")
[ $# -gt 0 ] || set -- "$here/notify.sh" "$here/speak.sh"
file=${SOHOA_RELAY_DIR:-/run/sohoa-desk}/events-$station
tab=$(printf '\t')
# tail through a FIFO, so that stopping this script stops tail too.
fifo=$(mktemp -u "${TMPDIR:-/tmp}/sohoa-desk-listen.XXXXXX")
mkfifo -m 0600 "$fifo" || exit 1
tail -n 0 -F "$file" 2>/dev/null >"$fifo" &
tail_pid=$!
trap 'kill "$tail_pid" 2>/dev/null; rm -f "$fifo"; exit 0' INT TERM HUP
trap 'kill "$tail_pid" 2>/dev/null; rm -f "$fifo"' EXIT
while IFS="$tab" read -r SOHOA_EVENT SOHOA_STATION SOHOA_MESSAGE_VI SOHOA_MESSAGE_EN; do
        SOHOA_MESSAGE="$SOHOA_MESSAGE_VI / $SOHOA_MESSAGE_EN"
        export SOHOA_EVENT SOHOA_STATION SOHOA_MESSAGE_VI SOHOA_MESSAGE_EN SOHOA_MESSAGE
        for hook in "$@"; do
                "$hook" </dev/null || true
        done
done <"$fifo"
