"""Run a command under a seccomp filter that fails setresuid, setgroups
and capset with EPERM, as systemd's SystemCallFilter=~@privileged does
(SystemCallErrorNumber=EPERM): how argod meets the packaged unit's filter
when started as root. x86_64 only; exits 77 (skip) elsewhere.

    python3 seccomp_deny.py COMMAND [ARG...]
"""
import ctypes
import os
import platform
import struct
import sys

if platform.machine() != "x86_64":
    print("seccomp_deny: syscall numbers for x86_64 only", file=sys.stderr)
    sys.exit(77)
DENY = (117, 116, 126)          # setresuid, setgroups, capset (x86_64)
AUDIT_ARCH_X86_64 = 0xc000003e
LD_W_ABS, JEQ_K, RET_K = 0x20, 0x15, 0x06
ALLOW, EPERM = 0x7fff0000, 0x00050000 | 1


def insn(code, k, jt=0, jf=0):
    return struct.pack("HBBI", code, jt, jf, k)


# seccomp_data: nr at offset 0, arch at 4
prog = [insn(LD_W_ABS, 4), insn(JEQ_K, AUDIT_ARCH_X86_64, 1, 0),
        insn(RET_K, ALLOW), insn(LD_W_ABS, 0)]
for nr in DENY:
    prog += [insn(JEQ_K, nr, 0, 1), insn(RET_K, EPERM)]
prog.append(insn(RET_K, ALLOW))
code = ctypes.create_string_buffer(b"".join(prog))


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


fprog = SockFprog(len(prog), ctypes.cast(code, ctypes.c_void_p))
libc = ctypes.CDLL(None, use_errno=True)
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
        libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER,
                   ctypes.byref(fprog), 0, 0) != 0:
    print("seccomp_deny: %s" % os.strerror(ctypes.get_errno()),
          file=sys.stderr)
    sys.exit(77)
os.execvp(sys.argv[1], sys.argv[1:])
