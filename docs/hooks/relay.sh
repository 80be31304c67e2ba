#!/bin/sh
# on_event hook for sohoa-scand@STATION under systemd: the unit's sandbox
# has no desktop session bus and no sound, and runs as user sohoa, so
# notify.sh and speak.sh cannot reach the officer from there. This hook
# appends the event, one tab-separated line, to
# /run/sohoa-desk/events-STATION (group sohoa may read it); desk-listen.sh,
# run in the officer's desktop session, turns each line into notify.sh and
# speak.sh.
# Install: on_event = /usr/share/sohoa/hooks/relay.sh
clean() { printf '%s' "$1" | tr '\t\n' '  '; }
printf '%s\t%s\t%s\t%s\n' "$(clean "$SOHOA_EVENT")" "$(clean "$SOHOA_STATION")" \
        "$(clean "$SOHOA_MESSAGE_VI")" "$(clean "$SOHOA_MESSAGE_EN")" \
        >>"${SOHOA_RELAY_DIR:-/run/sohoa-desk}/events-${SOHOA_STATION:-station}"
exit 0
