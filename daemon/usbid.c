/* USB identities from sysfs (usbid.h): /sys/bus/usb/devices/<port>/
 * holds busnum, devnum, serial, manufacturer and product of every device
 * plugged in. Read, never written; nothing here needs privileges. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usbid.h"

bool usbid_parse(const char *sane_name, unsigned *ret_bus, unsigned *ret_dev)
{
        const char *p = sane_name ? strstr(sane_name, "libusb:") : NULL;
        unsigned bus, dev;
        int n = 0;

        if (!p || sscanf(p, "libusb:%3u:%3u%n", &bus, &dev, &n) != 2 || n == 0)
                return false;
        *ret_bus = bus;
        *ret_dev = dev;
        return true;
}

/* One line of a sysfs attribute, without its newline; "" when absent. */
static void read_attr(const char *dir, const char *name, char *buf, size_t size)
{
        char path[512];
        FILE *f;

        buf[0] = '\0';
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "re");
        if (!f)
                return;
        if (fgets(buf, (int) size, f))
                buf[strcspn(buf, "\n")] = '\0';
        fclose(f);
}

int usbid_lookup(unsigned bus, unsigned dev, UsbId *ret)
{
        const char *root = getenv("SOHOA_TEST_SYSFS");
        char top[256], dir[512], num[16];
        struct dirent *e;
        DIR *d;
        int r = -ENOENT;

        snprintf(top, sizeof(top), "%s/bus/usb/devices", root && *root ? root : "/sys");
        d = opendir(top);
        if (!d)
                return -ENODEV;
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.')
                        continue;
                snprintf(dir, sizeof(dir), "%s/%s", top, e->d_name);
                read_attr(dir, "busnum", num, sizeof(num));
                if (!num[0] || strtoul(num, NULL, 10) != bus)
                        continue;
                read_attr(dir, "devnum", num, sizeof(num));
                if (!num[0] || strtoul(num, NULL, 10) != dev)
                        continue;
                *ret = (UsbId) { .bus = bus, .dev = dev };
                read_attr(dir, "serial", ret->serial, sizeof(ret->serial));
                read_attr(dir, "manufacturer", ret->manufacturer, sizeof(ret->manufacturer));
                read_attr(dir, "product", ret->product, sizeof(ret->product));
                r = 0;
                break;
        }
        closedir(d);
        return r;
}

int usbid_of_name(const char *sane_name, UsbId *ret)
{
        unsigned bus, dev;

        if (!usbid_parse(sane_name, &bus, &dev))
                return -EINVAL;
        return usbid_lookup(bus, dev, ret);
}
