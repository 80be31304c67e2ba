/* The test backend's bus (bus.h): a file of plugged-in devices, read
 * again at every look so that a test can plug, unplug and renumber them
 * while the daemon runs. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "bus.h"

int bus_list(const char *path, const Persona *p, BusDevice *out)
{
        char line[512];
        int n = 0;
        FILE *f;

        if (!path || !path[0]) {
                out[0] = (BusDevice) {};
                snprintf(out[0].name, sizeof(out[0].name), "%s", p->default_device);
                snprintf(out[0].vendor, sizeof(out[0].vendor), "%s", p->vendor);
                snprintf(out[0].model, sizeof(out[0].model), "%s", p->model);
                snprintf(out[0].serial, sizeof(out[0].serial), "0001");
                return 1;
        }
        f = fopen(path, "re");
        if (!f)
                return 0;
        while (n < BUS_MAX && fgets(line, sizeof(line), f)) {
                BusDevice *d = &out[n];

                *d = (BusDevice) {};
                if (sscanf(line, "%127[^\t\n]\t%63[^\t\n]\t%63[^\t\n]\t%63[^\t\n]", d->name, d->vendor,
                           d->model, d->serial) == 4)
                        n++;
        }
        fclose(f);
        return n;
}

bool bus_find(const char *path, const Persona *p, const char *name, BusDevice *ret)
{
        BusDevice list[BUS_MAX];
        int n = bus_list(path, p, list);

        for (int i = 0; i < n; i++)
                if (strcmp(list[i].name, name) == 0) {
                        if (ret)
                                *ret = list[i];
                        return true;
                }
        return false;
}

int bus_lock(const char *dir, const char *serial)
{
        char path[700];
        int fd;

        if (!dir || !dir[0])
                return -2;
        snprintf(path, sizeof(path), "%s/lock-%s", dir, serial);
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return -1;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                close(fd);
                return -1;
        }
        return fd;
}

void bus_unlock(int fd)
{
        if (fd >= 0)
                close(fd);
}
