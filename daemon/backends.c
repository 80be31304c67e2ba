/* The table of backends (backends.h). Sources, from sane-backends unless
 * said: fujitsu.c (buttons from the hardware status: "scan", "email";
 * sensors "double-feed" and "omr-df"; a double feed is sense 3/80/07,
 * JAMMED), canon_dr.c (button "start"; a double feed is sense 3/81/01,
 * JAMMED; no double-feed sensor), avision.c (buttons in the string option
 * "message", tokens joined by ':', cleared by the read), pixma/pixma.c
 * (button-1 and button-2 set to 1 by a press, back to 0 only at open),
 * epjitsu.c (button "scan"), epsonds-cmd.c (an error block whose cause is
 * not PJ, PE or OPN, a double feed among them, is IO_ERROR), kodakaio.c
 * (sane_start returns CANCELLED when the feeder is empty), kvs1025_low.c
 * (every medium error but an empty feeder is JAMMED), sane-airscan's
 * airscan.c ("All our devices are non-local"). */
#include <errno.h>
#include <string.h>

#include "backends.h"
#include "macro.h"

#define DF_SENSORS_DEFAULT "double.?feed|multi.?feed"

static const BackendButton no_buttons[] = { { NULL } };

static const Backend table[] = {
        { "fujitsu", (const BackendButton[]) { { "scan", BUTTON_EDGE }, { "email", BUTTON_EDGE }, { NULL } },
          "^(double-feed|omr-df)$", 0 },
        { "canon_dr", (const BackendButton[]) { { "start", BUTTON_EDGE }, { NULL } }, DF_SENSORS_DEFAULT,
          QUIRK_JAM_MAY_BE_DOUBLE_FEED },
        { "avision", (const BackendButton[]) { { "message", BUTTON_STRING }, { NULL } }, DF_SENSORS_DEFAULT,
          QUIRK_JAM_MAY_BE_DOUBLE_FEED },
        { "pixma",
          (const BackendButton[]) { { "button-1", BUTTON_STICKY }, { "button-2", BUTTON_STICKY }, { NULL } },
          DF_SENSORS_DEFAULT, 0 },
        { "epjitsu", (const BackendButton[]) { { "scan", BUTTON_EDGE }, { NULL } }, DF_SENSORS_DEFAULT, 0 },
        { "epsonds", no_buttons, DF_SENSORS_DEFAULT, QUIRK_IO_ERROR_MAY_BE_DOUBLE_FEED },
        { "kodakaio", no_buttons, DF_SENSORS_DEFAULT, QUIRK_CANCELLED_IS_EMPTY },
        { "kvs1025", no_buttons, DF_SENSORS_DEFAULT, QUIRK_JAM_MAY_BE_DOUBLE_FEED },
        { "airscan", no_buttons, DF_SENSORS_DEFAULT, QUIRK_NETWORK },
        { "escl", no_buttons, DF_SENSORS_DEFAULT, QUIRK_NETWORK },
        { "net", no_buttons, DF_SENSORS_DEFAULT, QUIRK_NETWORK },
};

static const Backend generic = { "", no_buttons, DF_SENSORS_DEFAULT, 0 };

const Backend *backends_lookup(const char *device_name)
{
        const char *colon = device_name ? strchr(device_name, ':') : NULL;
        size_t n = colon ? (size_t) (colon - device_name) : 0;

        for (size_t i = 0; n && i < ELEMENTSOF(table); i++)
                if (strlen(table[i].name) == n && strncmp(table[i].name, device_name, n) == 0)
                        return &table[i];
        return &generic;
}

int backends_button_style(const Backend *b, const char *option)
{
        for (const BackendButton *k = b->buttons; k->option; k++)
                if (strcmp(k->option, option) == 0)
                        return (int) k->style;
        return -ENOENT;
}
