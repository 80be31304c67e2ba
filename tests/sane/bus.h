/* The test backend's bus: the scanners it sees. Each line of the file
 * named by the scenario's "devices" key is one plugged-in scanner: name,
 * vendor, model and serial, separated by tabs. Without that file the
 * personality's single default device is there. A test "power-cycles" a
 * USB scanner by rewriting its line with another libusb:BBB:DDD name, and
 * unplugs it by removing the line. Opening a device takes an advisory lock
 * named by its serial in the lock directory, so that a second process (a
 * second station, scanimage) finds it busy, as a claimed USB interface is. */
#pragma once

#include <stdbool.h>

#include "persona.h"

#define BUS_MAX 8

typedef struct BusDevice {
        char name[128], vendor[64], model[64], serial[64];
} BusDevice;

/* The devices plugged in now, at most BUS_MAX; returns how many. */
int bus_list(const char *path, const Persona *p, BusDevice *out);
/* Is the device of that name plugged in now? Its entry in *ret if so. */
bool bus_find(const char *path, const Persona *p, const char *name, BusDevice *ret);
/* Lock the device with serial in dir: an fd to give to bus_unlock(), -1
 * when another process holds it, -2 when there is no lock directory. */
int bus_lock(const char *dir, const char *serial);
void bus_unlock(int fd);
