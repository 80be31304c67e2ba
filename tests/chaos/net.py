"""Hosts for the chaos run: one network namespace per host, each joined to
the hub's namespace (broker and PostgreSQL) by a veth pair of its own, and
the link faults the monkey makes on those pairs: the link down, and a
degraded link (packet loss and delay). tc's netem does both where the
kernel has it; a kernel without it (sch_netem is often left out of small VM
kernels) gets the loss from an nftables rule (numgen random) and the delay
from a slow tbf link. Namespaces are named after the run's pid, so that a
later run can remove what a run killed by SIGKILL left behind."""

import os
import re
import subprocess

HUB = "hub"


class NetError(Exception):
    pass


def _run(argv, check=True):
    cp = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30)
    if check and cp.returncode != 0:
        raise NetError("%s: exit %d: %s" % (" ".join(argv), cp.returncode, cp.stderr.strip()))
    return cp


def available():
    """None when namespaces can be made here, else why not."""
    if os.geteuid() != 0:
        return "not root (network namespaces need it)"
    for tool in ("ip", "tc", "nft"):
        if _run(["sh", "-c", "command -v " + tool], check=False).returncode != 0:
            return "%s is not installed (./run setup installs iproute2 and nftables)" % tool
    return None


def remove_stale(prefix="sc"):
    """Delete namespaces of earlier runs whose process is gone."""
    try:
        names = os.listdir("/run/netns")
    except OSError:
        return
    for n in names:
        m = re.match(r"^%s(\d+)-" % re.escape(prefix), n)
        if m and not os.path.exists("/proc/" + m.group(1)):
            _run(["ip", "netns", "del", n], check=False)


class Net:
    """The hub and its hosts. host(name) is the namespace a host's programs
    run in (prefix(name) the command that puts them there); addr(name) is the
    hub's address as that host reaches it."""

    def __init__(self, hosts, prefix="sc"):
        self.tag = "%s%d" % (prefix, os.getpid())
        self.hosts = list(hosts)
        self.made = []
        self.netem = False
        self.faulted = {}       # host -> what is wrong with its link now
        remove_stale(prefix)
        try:
            self._make()
        except BaseException:
            self.destroy()
            raise

    def ns(self, host):
        return "%s-%s" % (self.tag, host)

    def prefix(self, host):
        return ["ip", "netns", "exec", self.ns(host)]

    def addr(self, host):
        """The hub's address on host's link."""
        return "10.77.%d.1" % (self.hosts.index(host) + 1)

    def host_addr(self, host):
        return "10.77.%d.2" % (self.hosts.index(host) + 1)

    def _hub_dev(self, host):
        return "to-" + host[:12]

    def _ip(self, host, *args):
        return _run(["ip", "-n", self.ns(host)] + list(args))

    def _in(self, host, *argv, check=True):
        return _run(self.prefix(host) + list(argv), check=check)

    def _make(self):
        for name in [HUB] + self.hosts:
            _run(["ip", "netns", "add", self.ns(name)])
            self.made.append(self.ns(name))
            self._ip(name, "link", "set", "lo", "up")
        for i, host in enumerate(self.hosts, 1):
            dev = self._hub_dev(host)
            self._ip(HUB, "link", "add", dev, "type", "veth", "peer", "name", "eth0", "netns", self.ns(host))
            self._ip(HUB, "addr", "add", "10.77.%d.1/24" % i, "dev", dev)
            self._ip(host, "addr", "add", "10.77.%d.2/24" % i, "dev", "eth0")
            self._ip(HUB, "link", "set", dev, "up")
            self._ip(host, "link", "set", "eth0", "up")
        for name in [HUB] + self.hosts:
            self._in(name, "nft", "add table inet chaos")
            self._in(name, "nft", "add chain inet chaos out { type filter hook output priority 0; }")
        probe = self._in(HUB, "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms", check=False)
        if probe.returncode == 0:
            self.netem = True
            self._in(HUB, "tc", "qdisc", "del", "dev", "lo", "root", check=False)

    def destroy(self):
        """Delete every namespace made (their veth pairs go with them)."""
        for n in reversed(self.made):
            _run(["ip", "netns", "del", n], check=False)
        self.made = []

    # --- link faults ------------------------------------------------------

    def _ends(self, host):
        return [(HUB, self._hub_dev(host)), (host, "eth0")]

    def link_down(self, host):
        self._ip(host, "link", "set", "eth0", "down")
        self.faulted[host] = "down"

    def degrade(self, host, loss_pct, delay_ms):
        """Both directions lose loss_pct% of packets and take delay_ms longer
        (netem), or go through a link slow enough to queue that long (tbf)."""
        for ns, dev in self._ends(host):
            if self.netem:
                self._in(ns, "tc", "qdisc", "replace", "dev", dev, "root", "netem", "loss", "%d%%" % loss_pct,
                         "delay", "%dms" % delay_ms, "%dms" % (delay_ms // 4))
            else:
                self._in(ns, "nft", "add rule inet chaos out oifname %s numgen random mod 100 < %d drop"
                         % (dev, loss_pct))
                # A link this slow queues delay_ms of traffic before it drops any.
                self._in(ns, "tc", "qdisc", "replace", "dev", dev, "root", "tbf", "rate", "1mbit",
                         "burst", "16kb", "latency", "%dms" % delay_ms)
        self.faulted[host] = "degraded"

    def heal(self, host):
        """The link up, no loss, no delay."""
        self._ip(host, "link", "set", "eth0", "up")
        for ns, dev in self._ends(host):
            self._in(ns, "nft", "flush chain inet chaos out")
            self._in(ns, "tc", "qdisc", "del", "dev", dev, "root", check=False)
        self.faulted.pop(host, None)

    def heal_all(self):
        for host in self.hosts:
            self.heal(host)
