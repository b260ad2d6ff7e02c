// weft-demo: a short tour of the engine, printed as a transcript. Exits 0 on its own.
//
// It shows the reactor's life cycle (startup waiting on a Deferred, shutdown triggers),
// timed calls, a LoopingCall, a coroutine awaiting a Deferred, work on the thread pool,
// callFromThread from a foreign thread, DeferredList, an errback, name resolution, then TCP:
// the chat server (chat.h) with two clients in this process, and a push producer streaming
// 8 MiB to a client that reads slowly, paused and resumed by flow control.
#include "chat.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <weft/weft.h>

using namespace std::chrono_literals;

namespace {

double startTime = 0;  // reactor.seconds() when main began: the transcript shows elapsed time

void say(weft::Reactor& reactor, const std::string& text) {
  std::printf("[%6.3fs] %s\n", reactor.seconds() - startTime, text.c_str());
  std::fflush(stdout);
}

std::string mib(std::size_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

// A coroutine: Twisted's inlineCallbacks, in C++20.
weft::Deferred<int> slowDouble(weft::Reactor& reactor, int value) {
  co_await weft::deferLater(reactor, 50ms);
  co_return value * 2;
}

weft::Deferred<void> tour(weft::Reactor& reactor) {
  say(reactor, "tour: callLater orders calls by time, then by scheduling order");
  for (int i = 3; i >= 1; --i) {
    reactor.callLater(weft::Seconds(0.01 * i),
                      [&reactor, i] { say(reactor, "  timed call " + std::to_string(i)); });
  }
  auto cancelled = reactor.callLater(10ms, [&reactor] { say(reactor, "  never printed"); });
  cancelled->cancel();
  try {
    cancelled->cancel();
  } catch (const weft::error::AlreadyCancelled& e) {
    say(reactor, std::string("  cancel twice -> AlreadyCancelled: ") + e.what());
  }
  co_await weft::deferLater(reactor, 50ms);

  say(reactor, "tour: a LoopingCall ticking every 20 ms, three times");
  int ticks = 0;
  weft::LoopingCall loop(reactor, [&] {
    say(reactor, "  tick " + std::to_string(++ticks));
    if (ticks == 3) loop.stop();
  });
  co_await loop.start(20ms);

  say(reactor, "tour: a coroutine awaits a Deferred");
  int doubled = co_await slowDouble(reactor, 21);
  say(reactor, "  slowDouble(21) = " + std::to_string(doubled));

  say(reactor, "tour: deferToThread runs on the pool; the result comes back on the reactor thread");
  long long sum = co_await weft::deferToThread(reactor, [] {
    long long s = 0;
    for (int i = 1; i <= 1000000; ++i) s += i;
    return s;
  });
  const std::string where = reactor.isInIOThread() ? "back on the reactor thread" : "wrong thread!";
  say(reactor, "  sum(1..1e6) = " + std::to_string(sum) + " (" + where + ")");

  say(reactor, "tour: callFromThread from a foreign std::thread");
  weft::Deferred<std::string> fromThread;
  std::thread worker([&reactor, fromThread]() mutable {
    reactor.callFromThread([fromThread]() mutable { fromThread.callback("hello from a worker"); });
  });
  std::string message = co_await fromThread;
  worker.join();
  say(reactor, "  " + message);

  say(reactor, "tour: gatherResults waits for several Deferreds");
  std::vector<weft::Deferred<int>> parts;
  for (int i = 1; i <= 3; ++i) parts.push_back(slowDouble(reactor, i));
  auto all = co_await weft::gatherResults(std::move(parts));
  say(reactor, "  results: " + std::to_string(all[0]) + " " + std::to_string(all[1]) + " " +
                   std::to_string(all[2]));

  say(reactor, "tour: an errback traps a failure and recovers");
  auto failing = weft::fail<int>(weft::Failure(weft::error::ConnectionRefusedError()))
                     .addErrback([&reactor](weft::Failure f) {
                       f.trap<weft::error::ConnectError>();
                       say(reactor, "  trapped: " + f.getErrorMessage());
                       return -1;
                     });
  int recovered = co_await failing;
  say(reactor, "  recovered with " + std::to_string(recovered));

  say(reactor, "tour: resolve(\"localhost\")");
  // GCC 12 rejects a braced default argument (resolve's timeout list) inside a co_await
  // expression ("array used as initializer"), so the Deferred is made first.
  auto lookup = reactor.resolve("localhost");
  std::string address = co_await lookup;
  say(reactor, "  localhost -> " + address);
}

// --- TCP: a chat room --------------------------------------------------------------------------

// A chat user: lines it hears wait in a DeferredQueue until the script asks for them.
class ChatClient : public weft::protocols::LineReceiver {
 public:
  ChatClient(weft::Reactor& reactor, std::string nick)
      : reactor_(reactor), nick_(std::move(nick)) {}
  weft::Deferred<void> connected, closed;

  void connectionMade() override {
    if (auto* tcp = dynamic_cast<weft::ITCPTransport*>(transport.get())) tcp->setTcpNoDelay(true);
    connected.callback();
  }
  void lineReceived(std::string_view line) override { heard_.put(std::string(line)); }
  void connectionLost(const weft::Failure& reason) override {
    LineReceiver::connectionLost(reason);
    closed.callback();
  }
  void send(const std::string& line) {
    say(reactor_, "  " + nick_ + " -> " + line);
    sendLine(line);
  }
  // The next line this user hears, printed.
  weft::Deferred<void> hear() {
    auto next = heard_.get();
    std::string line = co_await next;
    say(reactor_, "  " + nick_ + " <- " + line);
  }

 private:
  weft::Reactor& reactor_;
  std::string nick_;
  weft::DeferredQueue<std::string> heard_;
};

// A client factory whose protocol is `protocol`, made beforehand. The factory holds it weakly:
// the protocol holds its factory, and a cycle would never be freed.
std::shared_ptr<weft::ClientFactory> factoryFor(const std::shared_ptr<weft::IProtocol>& protocol) {
  return std::make_shared<weft::ClientFactory>(
      [weak = std::weak_ptr(protocol)]() -> std::shared_ptr<weft::IProtocol> {
        return weak.lock();
      });
}

weft::Deferred<std::shared_ptr<ChatClient>> joinChat(weft::Reactor& reactor, int port,
                                                     std::string nick) {
  auto client = std::make_shared<ChatClient>(reactor, std::move(nick));
  reactor.connectTCP("127.0.0.1", port, factoryFor(client));
  co_await client->connected;
  co_return client;
}

weft::Deferred<void> chatTour(weft::Reactor& reactor) {
  auto server = reactor.listenTCP(0, chat::makeFactory(), {.interface = "127.0.0.1"});
  int port = std::get<weft::IPv4Address>(server->getHost()).port;
  say(reactor, "tour: a chat server on 127.0.0.1:" + std::to_string(port) + ", alice and bob join");
  auto alice = co_await joinChat(reactor, port, "alice");
  co_await alice->hear();  // What's your name?
  alice->send("alice");
  co_await alice->hear();  // Welcome
  auto bob = co_await joinChat(reactor, port, "bob");
  co_await bob->hear();
  bob->send("alice");
  co_await bob->hear();  // taken
  bob->send("bob");
  co_await bob->hear();
  co_await alice->hear();  // * bob has joined
  alice->send("hi bob!");
  co_await bob->hear();
  bob->send("hello alice, got to go");
  co_await alice->hear();
  bob->send("/quit");
  co_await bob->hear();  // Bye!
  co_await bob->closed;
  co_await alice->hear();  // * bob has left
  alice->send("/quit");
  co_await alice->hear();
  co_await alice->closed;
  co_await server->stopListening();
  say(reactor, "  both left; the server port is closed");
}

// --- TCP: a push producer and flow control -----------------------------------------------------

// Writes `total` bytes as fast as the transport takes them; the transport pauses it when its
// buffer passes 64 KiB and resumes it once the buffer has drained.
class Payload final : public weft::IPushProducer {
 public:
  Payload(weft::Reactor& reactor, weft::ITransport& transport, std::size_t total)
      : reactor_(reactor), transport_(transport), total_(total), chunk_(64 * 1024, 'x') {}
  int pauses = 0, resumes = 0;

  void pauseProducing() override {
    paused_ = true;
    if (++pauses <= 2) say(reactor_, "  producer paused by flow control at " + mib(sent_));
  }
  void resumeProducing() override {
    paused_ = false;
    if (++resumes <= 2) say(reactor_, "  producer resumed at " + mib(sent_));
    produce();
  }
  void stopProducing() override { stopped_ = true; }

  void produce() {
    while (!paused_ && !stopped_ && sent_ < total_) {
      std::size_t n = std::min(chunk_.size(), total_ - sent_);
      sent_ += n;
      transport_.write(std::string_view(chunk_).substr(0, n));
    }
    if (sent_ == total_ && !stopped_) {
      stopped_ = true;
      say(reactor_, "  producer done (" + std::to_string(pauses) + " pauses, " +
                        std::to_string(resumes) + " resumes); closing after the buffer drains");
      transport_.unregisterProducer();
      transport_.loseConnection();
    }
  }

 private:
  weft::Reactor& reactor_;
  weft::ITransport& transport_;  // owns this producer until it unregisters
  std::size_t total_, sent_ = 0;
  std::string chunk_;
  bool paused_ = false, stopped_ = false;
};

constexpr std::size_t kPayloadBytes = 8 << 20;

class PayloadServer : public weft::Protocol {
 public:
  explicit PayloadServer(weft::Reactor* reactor) : reactor_(*reactor) {}
  void connectionMade() override {
    auto producer = std::make_shared<Payload>(reactor_, *transport, kPayloadBytes);
    transport->registerProducer(producer, /*streaming=*/true);
    producer->produce();
  }

 private:
  weft::Reactor& reactor_;
};

// Reads slowly: stops reading for 25 ms after every 512 KiB.
class SlowReader : public weft::Protocol {
 public:
  explicit SlowReader(weft::Reactor& reactor) : reactor_(reactor) {}
  std::size_t received = 0;
  int naps = 0;
  weft::Deferred<void> closed;

  void dataReceived(std::string_view data) override {
    std::size_t before = received;
    received += data.size();
    if (received / (512 << 10) == before / (512 << 10)) return;
    ++naps;
    transport->pauseProducing();
    reactor_.callLater(25ms, [t = transport] { t->resumeProducing(); });
  }
  void connectionLost(const weft::Failure& reason) override {
    Protocol::connectionLost(reason);
    closed.callback();
  }

 private:
  weft::Reactor& reactor_;
};

weft::Deferred<void> streamTour(weft::Reactor& reactor) {
  auto server = reactor.listenTCP(0, weft::Factory::forProtocol<PayloadServer>(&reactor),
                                  {.interface = "127.0.0.1"});
  int port = std::get<weft::IPv4Address>(server->getHost()).port;
  say(reactor, "tour: a push producer streams " + mib(kPayloadBytes) +
                   " to a client that naps 25 ms after every 512 KiB");
  auto reader = std::make_shared<SlowReader>(reactor);
  reactor.connectTCP("127.0.0.1", port, factoryFor(reader));
  // A timer: a LoopingCall reports progress every 100 ms while the bytes flow.
  weft::LoopingCall progress(
      reactor, [&] { say(reactor, "  progress: " + mib(reader->received) + " received"); });
  auto ticking = progress.start(100ms, /*now=*/false);
  auto closed = reader->closed.addTimeout(5s, reactor);  // and a deadline
  co_await closed;
  progress.stop();
  co_await ticking;
  say(reactor, "  client received " + mib(reader->received) + " in all (" +
                   (reader->received == kPayloadBytes ? "complete" : "INCOMPLETE") + "), napped " +
                   std::to_string(reader->naps) + " times");
  co_await server->stopListening();
}

}  // namespace

int main() {
  auto reactor = weft::makeReactor();
  weft::Reactor& r = *reactor;
  startTime = r.seconds();
  weft::log::setMinimumLevel(weft::log::Level::kWarn);  // no "Starting factory" lines
  std::printf("weft demo on the %s backend\n",
              std::string(weft::pollerName(r.pollerKind())).c_str());

  r.addSystemEventTrigger("before", "startup", [&r] {
    say(r, "before startup: holding startup on a Deferred for 30 ms");
    return weft::deferLater(r, 30ms);
  });
  r.addSystemEventTrigger("during", "startup", [&r] { say(r, "during startup"); });
  r.callWhenRunning([&r] {
    say(r, "running: " + std::string(r.running() ? "yes" : "no"));
    auto done = tour(r)
                    .addCallback([&r] { return chatTour(r); })
                    .addCallback([&r] { return streamTour(r); })
                    .addBoth([&r](weft::Outcome<void> outcome) {
                      if (!outcome.ok())
                        say(r, "tour failed: " + outcome.failure().getErrorMessage());
                      say(r, "tour done; stopping");
                      r.stop();
                    });
  });
  r.addSystemEventTrigger("before", "shutdown", [&r] { say(r, "before shutdown"); });
  r.addSystemEventTrigger("after", "shutdown", [&r] { say(r, "after shutdown"); });
  r.run();
  std::puts("reactor stopped; bye");
  return 0;
}
