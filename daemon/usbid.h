/* A USB scanner's lasting identity. Backends that name devices by
 * sanei_usb's bus address, "libusb:BBB:DDD" (epjitsu, canon_dr, avision,
 * kodakaio, kvs1025, epsonds over USB), give a name that changes at every
 * power-on and replug; the kernel's sysfs says which serial number sits at
 * that address now, and that does not change. */
#pragma once

#include <stdbool.h>

#include "macro.h"

typedef struct UsbId {
        unsigned bus, dev;
        char serial[64], manufacturer[64], product[64];
} UsbId;

/* The bus and device numbers in a SANE name ("epjitsu:libusb:001:004"). */
bool usbid_parse(const char *sane_name, unsigned *ret_bus, unsigned *ret_dev);
/* What sysfs says of the device at bus/dev: 0 and *ret, -ENOENT when no
 * device is there, -ENODEV when sysfs has no USB tree (a container). The
 * root is /sys, or $SOHOA_TEST_SYSFS in the tests. */
MUST_CHECK int usbid_lookup(unsigned bus, unsigned dev, UsbId *ret);
/* usbid_parse then usbid_lookup. */
MUST_CHECK int usbid_of_name(const char *sane_name, UsbId *ret);
