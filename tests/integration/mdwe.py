"""mdwe.py PROGRAM [ARGS...]: exec PROGRAM with memory-deny-write-execute on
(prctl PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN; Linux 6.3 or later), the
kernel's own form of the units' MemoryDenyWriteExecute=: no mapping may be
writable and executable, none may become executable. It holds across
execve and fork. Exit 77 when the kernel lacks it."""

import ctypes
import os
import sys

PR_SET_MDWE = 65
PR_MDWE_REFUSE_EXEC_GAIN = 1

libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
    sys.stderr.write("mdwe.py: prctl(PR_SET_MDWE): %s\n" % os.strerror(ctypes.get_errno()))
    sys.exit(77)
os.execv(sys.argv[1], sys.argv[1:])
