/* The rule that keeps an id with a live connection. Past liveness the
 * holder is as good as gone: a restarted process gets its id back within
 * liveness even when its old connection never closed. */
#include <string.h>

#include "binding.h"

bool binding_held(const Binding *holder, const uint8_t *rid, size_t rid_len, uint64_t now_ms,
                  uint64_t live_ms)
{
        if (!holder->live || holder->rid_len == 0)
                return false;
        if (holder->rid_len == rid_len && memcmp(holder->rid, rid, rid_len) == 0)
                return false;
        return now_ms <= holder->last_seen_ms || now_ms - holder->last_seen_ms <= live_ms;
}
