#!/bin/sh
# on_event hook: say the event aloud at the desk, in Vietnamese (espeak-ng's
# "vi" voice), for the events the officer must act on; then in English when
# SOHOA_SPEAK_ENGLISH=1. Install: on_event = /usr/share/sohoa/hooks/speak.sh
case "$SOHOA_EVENT" in
batch-started|batch-stored) exit 0 ;;  # routine: keep the desk quiet
esac
command -v espeak-ng >/dev/null 2>&1 || exit 0
espeak-ng -v vi -s 150 "$SOHOA_MESSAGE_VI" 2>/dev/null
[ "${SOHOA_SPEAK_ENGLISH:-0}" = 1 ] && espeak-ng -v en -s 160 "$SOHOA_MESSAGE_EN" 2>/dev/null
exit 0
