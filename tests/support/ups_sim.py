#!/usr/bin/env python3
"""UPS simulators for the probe tests, playing the UPS side of a socat pty pair.

Usage: ups_sim.py MODE TTY [RECEIVED_LOG]
MODE: q1 | apc | shut | xcp | upscode2 | upscode2-prelf | silent | vanish
RECEIVED_LOG (optional) gets every byte received, hex-encoded, one read per line.
In q1 mode, $SIM_Q1_STATE may name a file holding OL, OB or LB (on battery, low): it is read at
every status request, so a test can change the power state while a driver is polling.
'upscode2' answers UPScode II commands (each ends with CR; answers are LF-terminated lines);
'upscode2-prelf' is a unit that only takes a command that follows a line feed, as ups.conf's
use_pre_lf flag provides.
'vanish' kills the process whose pid is in $SIM_VANISH_PID (the socat of this pair) and exits as soon
as the first byte arrives: the port disappears mid-probe, as when a USB adapter is unplugged.
"""

import os
import sys
import tty

Q1_STATUS = b"(215.0 195.0 230.0 014 49.0 27.0 48.0 00001000\r"
# Status bits: utility fail, battery low, bypass, failed, standby, test, shutdown, beeper.
Q1_STATE_BITS = {"OL": b"00001000", "OB": b"10001000", "LB": b"11001000"}
Q1_INFO = b"#SIMVENDOR       SIMMODEL   V1.0      \r"
APC_VALUES = {b"Y": b"SM", b"\x01": b"Smart-UPS 1500", b"b": b"601.3.I", b"n": b"AS1234567890",
              b"L": b"230.4", b"O": b"230.4", b"F": b"50.00", b"f": b"100.0", b"B": b"27.36",
              b"P": b"025.0", b"Q": b"08", b"V": b"601.3.I", b"C": b"029.2", b"j": b"0042:",
              b"m": b"01/01/20", b"a": b"3.!$%+#?.\x01bnVLOFfBPQCjm"}
XCP_START = 0xAB
# XCP: a request is AB, length, command byte(s), checksum; the answer to a block request 0x3N is block N,
# to a control command block 9, to "request only mode" (A0) the identification block. Frames carry at
# most 121 data bytes; sequence 1 with the end bit set is a one-frame answer.
XCP_MODEL = b"SIM XCP"
XCP_SERIAL = b"SIMXCP0042"


def xcp_id_block() -> bytes:
    """One CPU (firmware 1.02), 1 kVA, one phase, the model, empty meter and alarm maps, a 96-byte
    configuration block and no statistics, logs, topology, commands, outlets or alarm block."""
    return (bytes((1, 0x02, 0x01, 1, 1, 0, len(XCP_MODEL))) + XCP_MODEL + bytes((0, 0))
            + (96).to_bytes(2, "little") + bytes(1 + 2 + 2 + 2 + 1 + 2 + 2 + 2))


XCP_BLOCKS = {
    0x31: xcp_id_block(),
    0x33: bytes((0x50, 0, 0, 0)),                                       # status: on line
    0x34: bytes(32),                                                    # meters (none mapped)
    0x35: bytes(32),                                                    # alarms (none mapped)
    0x36: bytes(64) + XCP_SERIAL.ljust(32, b"\0"),                      # configuration, serial at 64
    0x3B: bytes(16),                                                    # battery
    0x3C: (230).to_bytes(2, "little") + (50).to_bytes(2, "little") + bytes(28),  # limits: 230 V, 50 Hz
}
UPSCODE2_COMMANDS = (b"UPDS", b"UPDV", b"UPTP", b"UPSN", b"UPCL")  # UPCL lists itself last
UPSCODE2_MODEL, UPSCODE2_SERIAL = b"SIMCODE 1500", b"UC2-0042"
# Requests followed by a parameter line: serial number, shutdown and restart delays (set at driver start).
UPSCODE2_PARAMETER_REQUESTS = {b"UPSN": b"ACSN", b"UPSD": b"ACSD", b"UPCD": b"ACCD"}
UPSCODE2_STATUS = {b"STOK": b"0", b"MIUL1": b"229", b"MIFFF": b"50.0", b"MBCH1": b"97",
                   b"MBUUU": b"54.2", b"MOUL1": b"230", b"MOFFF": b"50.0"}  # MOFFF ends the block
UPSCODE2_NOMINAL = {b"NIUNN": b"230", b"NOUNN": b"230", b"NOFLL": b"47.0"}  # NOFLL ends the block


def xcp_reply(block: int, data: bytes) -> bytes:
    body = bytes((XCP_START, block, len(data), 0x81)) + data
    return body + bytes(((-sum(body)) & 0xFF,))


class Simulator:
    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.buffer = b""
        self.pending = b""

    def feed(self, data: bytes) -> bytes:
        handler = getattr(self, "_" + self.mode.replace("-", "_"), None)
        return handler(data) if handler else b""

    def _q1(self, data: bytes) -> bytes:
        self.buffer += data
        out = b""
        while b"\r" in self.buffer:
            line, self.buffer = self.buffer.split(b"\r", 1)
            command = line.strip()
            if command.endswith(b"Q1"):
                out += self._q1_status()
            elif command.endswith(b"I"):
                out += Q1_INFO
            elif command.endswith(b"F"):
                out += b"#230.0 004 24.00 50.0\r"
            elif command:
                out += command + b"\r"  # Megatec units echo what they do not know
        return out

    def _q1_status(self) -> bytes:
        path = os.environ.get("SIM_Q1_STATE")
        state = open(path).read().strip() if path and os.path.exists(path) else "OL"
        bits = Q1_STATE_BITS.get(state, Q1_STATE_BITS["OL"])
        return Q1_STATUS[:-9] + bits + b"\r"

    def _apc(self, data: bytes) -> bytes:
        out = b""
        for byte in data:
            key = bytes((byte,))
            if key in (b"\r", b"\n"):
                continue
            out += APC_VALUES.get(key, b"NA") + b"\r\n"
        return out

    def _upscode2(self, data: bytes, need_line_feed: bool = False) -> bytes:
        self.buffer += data
        out = b""
        while b"\r" in self.buffer:
            line, self.buffer = self.buffer.split(b"\r", 1)
            if need_line_feed and b"\n" not in line:
                continue
            command = line.rsplit(b"\n", 1)[-1].strip()
            if self.pending:  # the parameter line of a request: answer variable name, then value
                answer = UPSCODE2_SERIAL if self.pending == b"UPSN" else command
                out += UPSCODE2_PARAMETER_REQUESTS[self.pending] + b"\r\n" + answer + b"\r\n"
                self.pending = b""
            elif command in UPSCODE2_PARAMETER_REQUESTS:
                self.pending = command
            elif command == b"UPCL":
                out += b"".join(name + b"\r\n" for name in UPSCODE2_COMMANDS)
            elif command == b"UPTP":
                out += b"NNAME\r\n" + UPSCODE2_MODEL + b"\r\n"
            elif command in (b"UPDS", b"UPDV"):
                values = UPSCODE2_STATUS if command == b"UPDS" else UPSCODE2_NOMINAL
                out += b"".join(key + b"\r\n" + value + b"\r\n" for key, value in values.items())
        return out

    def _upscode2_prelf(self, data: bytes) -> bytes:
        return self._upscode2(data, need_line_feed=True)

    def _shut(self, data: bytes) -> bytes:
        return b"\x16" * data.count(b"\x16")

    def _xcp(self, data: bytes) -> bytes:
        self.buffer += data
        out = b""
        while True:
            start = self.buffer.find(bytes((XCP_START,)))
            if start < 0 or len(self.buffer) < start + 2:
                self.buffer = self.buffer[start:] if start >= 0 else b""
                break
            self.buffer = self.buffer[start:]
            length = self.buffer[1]
            if len(self.buffer) < length + 3:
                break
            request, self.buffer = self.buffer[: length + 3], self.buffer[length + 3:]
            if sum(request) & 0xFF:
                continue  # bad checksum: a real unit stays silent
            out += self._xcp_answer(request[2:-1])
        return out

    @staticmethod
    def _xcp_answer(command: bytes) -> bytes:
        if command[0] == 0xA0:                      # request only mode: answered with the ID block
            return xcp_reply(0x01, XCP_BLOCKS[0x31])
        if command[0] in XCP_BLOCKS:
            return xcp_reply(command[0] - 0x30, XCP_BLOCKS[command[0]])
        if command[0] == 0x95:                      # configuration query: nothing configurable
            return xcp_reply(0x09, bytes((0x95, 0x00)))
        return b""                                  # authorisation and unknown requests: no answer


def main() -> None:
    mode, path = sys.argv[1], sys.argv[2]
    log = open(sys.argv[3], "a", buffering=1) if len(sys.argv) > 3 else None
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    simulator = Simulator(mode)
    while True:
        try:
            data = os.read(fd, 512)
        except OSError:
            break
        if not data:
            break
        if log:
            log.write(data.hex() + "\n")
        if mode == "vanish":
            os.kill(int(os.environ["SIM_VANISH_PID"]), 9)
            os._exit(0)
        reply = simulator.feed(data)
        if reply:
            os.write(fd, reply)


if __name__ == "__main__":
    main()
