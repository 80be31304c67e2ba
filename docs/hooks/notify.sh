#!/bin/sh
# on_event hook: show the event on the station's desktop (notify-send, as
# the desktop user whose session bus is given in SOHOA_NOTIFY_BUS, e.g.
# unix:path=/run/user/1000/bus). Faults are "critical": they stay on screen.
# Install: on_event = /usr/share/sohoa/hooks/notify.sh
command -v notify-send >/dev/null 2>&1 || exit 0
case "$SOHOA_EVENT" in
jam|double-feed|cover-open|device-lost|spool-full|error|count-mismatch) urgency=critical ;;
*) urgency=normal ;;
esac
[ -n "$SOHOA_NOTIFY_BUS" ] && DBUS_SESSION_BUS_ADDRESS=$SOHOA_NOTIFY_BUS && export DBUS_SESSION_BUS_ADDRESS
notify-send -u "$urgency" -a sohoa "sohoa: $SOHOA_STATION" "$SOHOA_MESSAGE_VI
$SOHOA_MESSAGE_EN"
exit 0
