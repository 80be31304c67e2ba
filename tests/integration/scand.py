"""Pieces the capture daemon's tests share: a SANE configuration directory
whose dll.conf lists SANE's own `test` backend and the project's
`sohoatest` backend (tests/sane, found through LD_LIBRARY_PATH) or one of
its personalities built under a real backend's name (tests/sane/personas:
"fujitsu", "canon_dr", ...), a scenario file for it, a Bus of scanners
that can be plugged, unplugged and renumbered (with the sysfs tree the
daemon reads their serial numbers from), and a running sohoa-scand with a
config of its own, talking to the spine's broker (spine.Stack). The daemon's log
lines say what it spooled ("spooled page UUID: batch B sequence N sheet S
side front|back", and for each batch that ended "spooled close UUID: batch
B, N images"), the backend's log what it served ("eof sheet=S side=X" once
an image has wholly left the scanner), and the on_event hook writes each
event's environment to a file of its own."""

import os
import re
import subprocess

import harness as h

SPOOLED = re.compile(r"spooled page (\S+): batch (\S+) sequence (\d+) sheet (\d+) side (front|back)"
                     r", (\d+) frames?, (\d+) bytes, sha256 ([0-9a-f]{64})")
CLOSED = re.compile(r"spooled close (\S+): batch (\S+), (\d+) images?, (\d+) sheets declared")
SCANNED = re.compile(r"^eof sheet=(\d+) side=(front|back)$")


def write_ppm(path, w, hgt, fn):
    """A P6 PPM of w x hgt pixels, fn(x, y) -> (r, g, b)."""
    rows = bytearray()
    for y in range(hgt):
        for x in range(w):
            rows += bytes(fn(x, y))
    with open(path, "wb") as f:
        f.write(b"P6 %d %d 255\n" % (w, hgt))
        f.write(rows)


class Bus:
    """The scanners plugged in: the test backend's bus file (tests/sane/bus.h)
    and a sysfs tree (bus/usb/devices/N-P/{busnum,devnum,serial}) that says
    the same to the daemon through $SOHOA_TEST_SYSFS. A scanner is known by
    its serial; plugging it again gives it a new USB device number, and so
    a new libusb:BBB:DDD name, as a power cycle does."""

    def __init__(self, name="bus"):
        self.dir = h.path(name)
        self.dir.mkdir(exist_ok=True)
        self.file = self.dir / "devices"
        self.sysfs = self.dir / "sys"
        self.devices = {}      # serial -> [name, vendor, model, usb (bus, dev) or None]
        self.next_dev = 4
        self._write()

    def plug(self, serial, vendor="FUJITSU", model="ScanSnap S1300i", dev=None, name=None):
        """Plug (or power on) a USB scanner: its name is libusb:001:DDD, DDD the
        device number given or a fresh one. A name given instead (a network
        scanner, a backend that names by serial) has no sysfs entry.
        Returns the name."""
        addr = None
        if name is None:
            if dev is None:
                dev, self.next_dev = self.next_dev, self.next_dev + 1
            addr = (1, dev)
            name = "libusb:%03d:%03d" % addr
        self.devices[serial] = [name, vendor, model, addr]
        self._write()
        return name

    def unplug(self, serial):
        self.devices.pop(serial, None)
        self._write()

    def name(self, serial):
        return self.devices[serial][0]

    def _write(self):
        """As the kernel and libusb see it: a device is in sysfs before it can
        be listed, and listed no more before it leaves sysfs."""
        usb = self.sysfs / "bus" / "usb" / "devices"
        usb.mkdir(parents=True, exist_ok=True)
        ports = {}
        for serial, d in self.devices.items():
            if d[3] is None:
                continue
            port = usb / ("%d-%d" % d[3])
            ports[port.name] = serial
            port.mkdir(exist_ok=True)
            for attr, value in (("busnum", d[3][0]), ("devnum", d[3][1]), ("serial", serial),
                                ("manufacturer", d[1]), ("product", d[2])):
                (port / attr).write_text("%s\n" % value)
        lines = "".join("%s\t%s\t%s\t%s\n" % (d[0], d[1], d[2], serial) for serial, d in self.devices.items())
        tmp = self.dir / "devices.tmp"
        tmp.write_text(lines)
        os.replace(tmp, self.file)
        for old in os.listdir(usb):
            if old not in ports:
                for f in os.listdir(usb / old):
                    os.unlink(usb / old / f)
                os.rmdir(usb / old)

    def scenario(self):
        """The scenario keys that put a station's backend on this bus."""
        return {"devices": self.file, "lock_dir": self.dir}

    def env(self):
        return {"SOHOA_TEST_SYSFS": str(self.sysfs)}


class Station:
    def __init__(self, stack, name="st1", device="sohoatest:adf", profiles=None, scenario=None,
                 sets=(), start=True, broker=None, env=None, backend="sohoatest", scand=None, bus=None,
                 prefix=()):
        """backend: the test backend's name in dll.conf ("sohoatest", or a
        personality: "fujitsu", "canon_dr", ...); device None: no device key
        (the daemon chooses); scand: more [scand] keys; bus: a Bus."""
        self.name = name
        self.stack = stack
        self.backend = backend
        self.bus = bus
        self.extra_env = dict(bus.env() if bus else {}, **(env or {}))
        self.dir = h.path("station-" + name)
        self.dir.mkdir(exist_ok=True)
        # SANE's own test backend only beside the plain sohoatest: its
        # devices would be more scanners with a feeder for a personality.
        (self.dir / "dll.conf").write_text("test\nsohoatest\n" if backend == "sohoatest" else backend + "\n")
        self.scenario_path = self.dir / "scenario"
        self.backend_log = self.dir / "backend.log"
        self.events_dir = self.dir / "events"
        self.events_dir.mkdir(exist_ok=True)
        self.socket = str(self.dir / "ctl.sock")
        self.spool = self.dir / "spool"
        self.scenario_keys = dict(bus.scenario() if bus else {})
        self.scenario(**(scenario or {}))
        conf = ["[scand]",
                "station = " + name,
                "broker = " + (broker or stack.stations),
                "spool_dir = %s" % self.spool,
                "control_socket = " + self.socket,
                "retry_min = 100ms",
                "retry_max = 800ms",
                "heartbeat = 250ms",
                "resend = 20s",
                # One file per event, named by event and batch: hooks run in parallel.
                "on_event = env | grep ^SOHOA_ > %s/$SOHOA_EVENT-${SOHOA_BATCH:-none}-$$" % self.events_dir]
        if device:
            conf.append("device = " + device)
        conf += ["%s = %s" % kv for kv in (scand or {}).items()]
        profiles = profiles or {"duplex": {"duplex": "yes"}}
        for pname, keys in profiles.items():
            conf += ["", "[profile.%s]" % pname] + ["%s = %s" % kv for kv in keys.items()]
        conf.insert(2, "default_profile = " + next(iter(profiles)))
        self.conf = self.dir / "scand.conf"
        self.conf.write_text("\n".join(conf) + "\n")
        argv = ["sohoa-scand", "--config", self.conf]
        for s in sets:
            argv += ["--set", s]
        self.proc = h.Proc("scand-" + name, argv, env=self.env(), start=start, prefix=prefix)

    def env(self):
        libdir = str(h.BUILD_DIR / "tests" / "sane")
        if self.backend != "sohoatest":
            libdir = str(h.BUILD_DIR / "tests" / "sane" / "personas") + ":" + libdir
        old = os.environ.get("LD_LIBRARY_PATH")
        return dict({"SANE_CONFIG_DIR": str(self.dir),
                     "LD_LIBRARY_PATH": libdir + (":" + old if old else ""),
                     "SOHOATEST_SCENARIO": str(self.scenario_path)}, **self.extra_env)

    def scenario(self, **kv):
        """Rewrite the sohoatest scenario (read at open and at each batch's end);
        the bus keys stay."""
        kv = dict(self.scenario_keys, **kv)
        kv.setdefault("log", str(self.backend_log))
        self.scenario_path.write_text("".join("%s = %s\n" % item for item in kv.items()))

    def scanimage(self, *args, check=False):
        """scanimage with this station's SANE configuration and backend (another
        program wanting the scanner). A backend built with the sanitizers needs
        their runtimes loaded first into a program built without them."""
        env = self.env()
        lib = h.BUILD_DIR / "tests" / "sane" / ("personas" if self.backend != "sohoatest" else "") / \
            ("libsane-%s.so.1" % self.backend)
        ldd = subprocess.run(["ldd", str(lib)], capture_output=True, text=True).stdout
        preload = [line.split("=>")[1].split()[0] for line in ldd.splitlines()
                   if "=>" in line and ("libasan" in line or "libubsan" in line)]
        if preload:
            env["LD_PRELOAD"] = ":".join(preload)
            env["ASAN_OPTIONS"] = "detect_leaks=0"
        return h.run(["scanimage"] + list(args), env=env, check=check, timeout=60)

    def wait_ready(self, timeout=15):
        self.proc.wait_log(r"scanner .+ open \(", timeout)

    def scan(self, *args, check=True, timeout=120):
        """`sohoactl scan --socket ... args`: the reply's key=value lines as a dict."""
        cp = h.run(["sohoactl", "scan", "--socket", self.socket] + list(args), check=False, timeout=timeout)
        if check and cp.returncode not in (0, 1):
            raise h.TestFailure("sohoactl scan failed (%d): %s" % (cp.returncode, cp.stderr))
        out = dict(line.split("=", 1) for line in cp.stdout.splitlines() if "=" in line)
        out["_rc"] = cp.returncode
        out["_stderr"] = cp.stderr
        return out

    def status(self):
        return self.scan("--status")

    def pages(self, batch=None):
        """(uuid, batch, sequence, sheet, side, frames, sha256) of every page the daemon spooled, in order."""
        out = []
        for m in SPOOLED.finditer(self.proc.log()):
            p = (m.group(1), m.group(2), int(m.group(3)), int(m.group(4)), m.group(5), int(m.group(6)),
                 m.group(8))
            if batch is None or p[1] == batch:
                out.append(p)
        return out

    def closes(self, batch=None):
        """{batch: (close uuid, images)} for every close record the daemon spooled."""
        return {m.group(2): (m.group(1), int(m.group(3))) for m in CLOSED.finditer(self.proc.log())
                if batch is None or m.group(2) == batch}

    def scanned(self):
        """(sheet, side) of every image that wholly left the scanner, in order (all batches)."""
        return [(int(m.group(1)), m.group(2)) for m in map(SCANNED.match, self.served()) if m]

    def served(self):
        """The backend's log lines."""
        return self.backend_log.read_text().splitlines() if self.backend_log.exists() else []

    def events(self, kind=None, batch=None):
        """Each event's environment as a dict, for events of that kind (and batch)."""
        out = []
        for f in sorted(os.listdir(self.events_dir)):
            env = dict(line.split("=", 1) for line in (self.events_dir / f).read_text().splitlines()
                       if "=" in line)
            if kind and env.get("SOHOA_EVENT") != kind:
                continue
            if batch and env.get("SOHOA_BATCH") != batch:
                continue
            out.append(env)
        return out

    def wait_event(self, kind, batch=None, timeout=15):
        return h.wait_for(lambda: self.events(kind, batch), timeout, "event %s" % kind)[0]

    def frames(self):
        """(sheet, side, duplex) of every frame the backend started, in order (all batches)."""
        out = []
        for line in self.served():
            m = re.match(r"^frame sheet=(\d+) side=(\w+) .* duplex=(\d)$", line)
            if m:
                out.append((int(m.group(1)), m.group(2), m.group(3) == "1"))
        return out

    def spooled_files(self):
        """Files in the spool: pages and close records."""
        return [f for f in os.listdir(self.spool) if f.endswith(".page")] if self.spool.exists() else []

    def spooled_pages(self):
        """Spooled pages, without the close records."""
        closes = {c[0] for c in self.closes().values()}
        return [f for f in self.spooled_files() if f[:-len(".page")] not in closes]

