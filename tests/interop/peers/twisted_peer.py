#!/usr/bin/python3
"""Twisted as the peer of weft's interop tests (tests/interop/twisted_interop_test.cc).

    /usr/bin/python3 -I -B twisted_peer.py MODE [PORT] [ARGS...]

Client modes connect to a weft server on 127.0.0.1:PORT. Server modes listen on
127.0.0.1:0 and first print "PORT <n>". Every mode ends with one line,
"OK key=value ..." or "FAIL key=value ...", and exits 0 or 1 once its connection is lost
(or after TIMEOUT seconds, with FAIL). Values never contain spaces.
"""

import os
import random
import stat
import sys


def inherited_sockets():
    """Socket descriptors this process started with: weft's must all be close-on-exec."""
    count = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            if stat.S_ISSOCK(os.fstat(int(name)).st_mode):
                count += 1
        except OSError:
            pass  # the directory listing's own descriptor
    return count


INHERITED_SOCKETS = inherited_sockets()  # before Twisted opens any

from twisted.internet import error, interfaces, protocol, reactor  # noqa: E402
from twisted.protocols import basic  # noqa: E402
from zope.interface import implementer  # noqa: E402

TIMEOUT = 25.0  # seconds; the C++ test gives up (and kills us) at 30
exit_code = 1
finished = False


def finish(ok, **fields):
    """Prints the result line once and stops the reactor."""
    global exit_code, finished
    if finished:
        return
    finished = True
    exit_code = 0 if ok else 1
    fields["inherited_sockets"] = INHERITED_SOCKETS
    words = ["%s=%s" % (k, str(v).replace(" ", "_")) for k, v in fields.items()]
    print(" ".join(["OK" if ok else "FAIL"] + words), flush=True)
    if reactor.running:
        reactor.stop()


def reason_name(reason):
    return reason.type.__name__


def pattern(size, seed):
    return random.Random(seed).randbytes(size)


class Client(protocol.ClientFactory):
    """Builds one protocol with make(); a failed connection attempt fails the run."""

    def __init__(self, make):
        self.make = make

    def buildProtocol(self, addr):
        return self.make()

    def clientConnectionFailed(self, connector, reason):
        finish(False, connect=reason_name(reason))


class Server(protocol.ServerFactory):
    """Builds protocols with make() on 127.0.0.1:0 and prints the port first."""

    def __init__(self, make):
        self.make = make

    def buildProtocol(self, addr):
        return self.make()

    def listen(self):
        port = reactor.listenTCP(0, self, interface="127.0.0.1")
        print("PORT %d" % port.getHost().port, flush=True)


# --- 1. echo-client PORT SIZE SEED: varied writes (a pull producer), the echo compared ----


@implementer(interfaces.IPullProducer)
class EchoClient(protocol.Protocol):
    SIZES = [1, 2, 7, 100, 1000, 1460, 4096, 16383, 65536, 65537, 200000, 1 << 20]

    def __init__(self, size, seed):
        self.data = pattern(size, seed)
        self.view = memoryview(self.data)
        self.rng = random.Random(seed + 1)
        self.sent = 0
        self.writes = 0
        self.received = 0
        self.mismatch = None

    def connectionMade(self):
        self.transport.registerProducer(self, False)

    def resumeProducing(self):  # called each time Twisted's write buffer is empty
        n = self.rng.choice(self.SIZES)
        self.transport.write(self.view[self.sent:self.sent + n].tobytes())
        self.sent = min(self.sent + n, len(self.data))
        self.writes += 1
        if self.sent == len(self.data):
            self.transport.unregisterProducer()

    def stopProducing(self):
        pass

    def dataReceived(self, data):
        end = self.received + len(data)
        if self.mismatch is None and self.view[self.received:end] != data:
            self.mismatch = self.received
        self.received = end
        if self.received >= len(self.data):
            self.transport.loseConnection()

    def connectionLost(self, reason):
        ok = (self.mismatch is None and self.received == len(self.data)
              and reason.check(error.ConnectionDone) is not None)
        finish(ok, sent=self.sent, writes=self.writes, received=self.received,
               mismatch=self.mismatch, reason=reason_name(reason))


# --- 2. echo-server: echoes one connection, then exits --------------------------------------


class EchoServer(protocol.Protocol):
    echoed = 0

    def dataReceived(self, data):
        self.transport.write(data)
        self.echoed += len(data)

    def connectionLost(self, reason):
        finish(reason.check(error.ConnectionDone) is not None, echoed=self.echoed,
               reason=reason_name(reason))


# --- 3. half-close-client PORT SIZE / half-close-server -------------------------------------
# The client sends SIZE bytes and half-closes; the server answers "got <n> bytes\n" and the
# data once it has read everything, then closes.


def reply_to(request):
    return b"got %d bytes\n" % len(request) + request


@implementer(interfaces.IHalfCloseableProtocol)
class HalfCloseClient(protocol.Protocol):
    def __init__(self, size):
        self.request = pattern(size, 3)
        self.reply = b""
        self.events = []

    def event(self, name):
        if not self.events or self.events[-1] != name:
            self.events.append(name)

    def connectionMade(self):
        self.transport.write(self.request)
        self.transport.loseWriteConnection()

    def writeConnectionLost(self):
        self.event("writeLost")

    def dataReceived(self, data):
        self.event("data")
        self.reply += data

    def readConnectionLost(self):
        self.event("readLost")
        self.transport.loseConnection()

    def connectionLost(self, reason):
        self.event("lost")
        events = ",".join(self.events)
        ok = (self.reply == reply_to(self.request) and reason.check(error.ConnectionDone)
              and events == "writeLost,data,readLost,lost")
        finish(ok, reply=len(self.reply), events=events, reason=reason_name(reason))


@implementer(interfaces.IHalfCloseableProtocol)
class HalfCloseServer(protocol.Protocol):
    def __init__(self):
        self.request = b""
        self.events = []

    def dataReceived(self, data):
        if not self.events:
            self.events.append("data")
        self.request += data

    def readConnectionLost(self):
        self.events.append("readLost")
        self.transport.write(reply_to(self.request))
        self.transport.loseConnection()

    def writeConnectionLost(self):
        self.events.append("writeLost")

    def connectionLost(self, reason):
        self.events.append("lost")
        events = ",".join(self.events)
        ok = reason.check(error.ConnectionDone) and events == "data,readLost,lost"
        finish(ok, request=len(self.request), events=events, reason=reason_name(reason))


# --- 4. expect-reset PORT / abort-server ----------------------------------------------------


class ExpectReset(protocol.Protocol):
    """Sends "abort me" and expects a reset: ConnectionLost, not ConnectionDone."""

    def connectionMade(self):
        self.transport.write(b"abort me")

    def connectionLost(self, reason):
        ok = reason.check(error.ConnectionLost) is not None
        finish(ok, reason=reason_name(reason))


class AbortServer(protocol.Protocol):
    """Aborts the connection once "abort me" has arrived."""

    received = b""

    def dataReceived(self, data):
        self.received += data
        if self.received == b"abort me":
            self.transport.abortConnection()

    def connectionLost(self, reason):
        ok = reason.check(error.ConnectionAborted) is not None
        finish(ok, received=len(self.received), reason=reason_name(reason))


# --- 5. lines PORT COUNT LONG: many lines, answered "ok <line>", then one too long -----------


def line(i):
    return b"%d:" % i + (b"abcdefghijklmnopqrstuvwxyz0123456789" * 30)[:(i * 37) % 1000]


class LineClient(basic.LineReceiver):
    def __init__(self, count, long_size):
        self.count = count
        self.long_size = long_size
        self.answered = 0
        self.mismatch = None

    def connectionMade(self):
        for i in range(self.count):
            self.sendLine(line(i))

    def lineReceived(self, reply):
        if self.mismatch is None and reply != b"ok " + line(self.answered):
            self.mismatch = self.answered
        self.answered += 1
        if self.answered == self.count:
            self.sendLine(b"L" * self.long_size)  # one segment on loopback: read whole

    def connectionLost(self, reason):
        ok = (self.mismatch is None and self.answered == self.count
              and reason.check(error.ConnectionDone) is not None)
        finish(ok, answered=self.answered, mismatch=self.mismatch, reason=reason_name(reason))


def main(argv):
    mode, args = argv[1], [int(a) for a in argv[2:]]
    clients = {
        "echo-client": lambda size, seed: EchoClient(size, seed),
        "half-close-client": lambda size: HalfCloseClient(size),
        "expect-reset": lambda: ExpectReset(),
        "lines": lambda count, long_size: LineClient(count, long_size),
    }
    servers = {
        "echo-server": EchoServer,
        "half-close-server": HalfCloseServer,
        "abort-server": AbortServer,
    }
    if mode in clients:
        port, rest = args[0], args[1:]
        reactor.connectTCP("127.0.0.1", port, Client(lambda: clients[mode](*rest)))
    elif mode in servers:
        Server(servers[mode]).listen()
    else:
        print("FAIL unknown_mode=%s" % mode, flush=True)
        return 2
    reactor.callLater(TIMEOUT, finish, False, timeout=TIMEOUT)
    reactor.run()
    return exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
