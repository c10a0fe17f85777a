#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# The host side of qnn_jobs_aer_test (the PCI lane, scripts/vm-check.sh):
# QEMU injects PCIe AER errors only through its HMP command
# pcie_aer_inject_error, so this follows the guest's test output (the
# serial file QEMU writes) and, for each line
#     === AER-INJECT [-c] <qdev-id> <error>
# sends "pcie_aer_inject_error [-c] <qdev-id> <error>" to the monitor
# socket; what the monitor answers goes to the log. Ends at "=== VM DONE",
# when the monitor goes away (QEMU exited), or after DEADLINE seconds.
#
#   aer_inject_host.py SERIAL-FILE MONITOR-SOCKET LOG DEADLINE
import os
import re
import socket
import sys
import time

serial, sock_path, log_path, deadline = sys.argv[1:5]
end = time.monotonic() + float(deadline)
REQ = re.compile(r'^=== AER-INJECT ((?:-c )?[A-Za-z0-9_.-]+ [A-Z_0-9x]+)\s*$')


def log(msg):
    with open(log_path, 'a') as f:
        f.write(msg + '\n')


def until_prompt(s):
    """The monitor's answer up to its next "(qemu) " prompt."""
    buf = b''
    s.settimeout(30)
    while not buf.endswith(b'(qemu) '):
        chunk = s.recv(4096)
        if not chunk:
            raise ConnectionError('monitor closed')
        buf += chunk
    return buf.decode(errors='replace')


def connect():
    while time.monotonic() < end:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sock_path)
            until_prompt(s)
            return s
        except (OSError, ConnectionError):
            s.close()
            time.sleep(0.2)
    return None


mon = connect()
if mon is None:
    log('no monitor at ' + sock_path)
    sys.exit(1)
log('monitor connected')
pos, part = 0, b''
while time.monotonic() < end:
    try:
        with open(serial, 'rb') as f:
            f.seek(pos)
            data = f.read()
    except FileNotFoundError:
        data = b''
    pos += len(data)
    part += data
    *lines, part = part.split(b'\n')
    for raw in lines:
        line = raw.decode(errors='replace').rstrip('\r')
        if line == '=== VM DONE':
            sys.exit(0)
        m = REQ.match(line)
        if not m:
            continue
        cmd = 'pcie_aer_inject_error ' + m.group(1)
        try:
            mon.sendall((cmd + '\n').encode())
            ans = until_prompt(mon)
        except (OSError, ConnectionError) as e:
            log('%s: monitor gone (%s)' % (cmd, e))
            sys.exit(1)
        # the monitor echoes the command as typed (with cursor moves):
        # its answer is the last line
        lines = [x.strip() for x in re.split(r'[\r\n]+', ans)]
        lines = [x for x in lines if x and not x.startswith('(qemu)')]
        log('%s: %s' % (cmd, lines[-1] if lines else '(no answer)'))
    if not data:
        time.sleep(0.1)
log('deadline reached')
