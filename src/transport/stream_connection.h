// StreamConnection: a connected stream socket as an ITCPTransport (Twisted's
// abstract.FileDescriptor + tcp.Connection). Registered with the reactor as a read/write
// descriptor through a shared_ptr to itself; the reactor's registration and the protocol's
// `transport` member keep it alive.
//
// Write path: write() copies into a chunked WriteBuffer and asks the reactor, once per
// iteration, to run settle() in its flush phase (callBeforeWait), which sends everything with
// one writev. The writer interest is armed only when the socket is full; the reader
// interest stays registered across events, so a steady echo costs one read and one writev.
//
// Reading: doRead reads until a read comes back short (the socket is drained), at most
// kMaxReadsPerEvent times; that lets the epoll reactor watch the socket edge-triggered
// (IEdgeTriggeredDescriptor), which costs no epoll_ctl and no kernel re-check per event.
//
// Closing: loseConnection/abortConnection/loseWriteConnection only change state. The close
// completes from the loop (settle(), doRead, doWrite), never inside a protocol callback the
// transport is running: connectionLost is never re-entrant.
//
// Every live connection is in its reactor's LiveSet (registered in start(), removed when
// closed), so shutdown reaches it even while reading is paused and nothing is queued.
//
// Log context: every protocol callback the transport runs from the loop (connectionMade,
// dataReceived, readConnectionLost, writeConnectionLost, resumeProducing, connectionLost,
// the connector's clientConnectionLost) runs inside a log::SystemScope naming this
// transport's logPrefix() ("Proto,client" or "Proto,session,peerHost").
//
// IFinishableConsumer: finish() is unregisterProducer() then loseConnection(): whatever is
// buffered is sent, then the connection closes (ConnectionDone).
//
// Thread affinity: the reactor thread only.
#pragma once

#include "transport/live_set.h"
#include "transport/write_buffer.h"

#include "weft/base/function.h"
#include "weft/base/log.h"
#include "weft/defer/failure.h"
#include "weft/internet/interfaces.h"
#include "weft/internet/reactor.h"
#include "weft/internet/transport.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <typeinfo>

namespace weft::tcp {

class StreamConnection final : public ITCPTransport,
                               public IFinishableConsumer,
                               public IReadWriteDescriptor,
                               public IEdgeTriggeredDescriptor,
                               public ISystemHandle,
                               public LiveMember,
                               public std::enable_shared_from_this<StreamConnection> {
 public:
  // Buffered bytes above which a streaming producer is paused (Twisted's bufferSize).
  static constexpr std::size_t kBufferSize = 64 * 1024;
  // Bytes asked for per read(2), and reads per doRead before yielding to other descriptors.
  static constexpr std::size_t kReadSize = 64 * 1024;
  static constexpr int kMaxReadsPerEvent = 16;

  enum class State : std::uint8_t {
    kConnected,      // reading and writing
    kDisconnecting,  // loseConnection(): closes once drained and the producer has gone
    kAborting,       // abortConnection(): closes (RST) in the next flush phase
    kClosed,         // fd closed, connectionLost delivered
  };
  enum class WriteState : std::uint8_t {
    kOpen,
    kShutdownPending,  // loseWriteConnection(): FIN once drained and the producer has gone
    kShutdown,         // FIN sent; writes are discarded
  };

  // Takes ownership of fd (a connected, non-blocking stream socket); peer is the remote
  // address. Nothing happens until start().
  // session >= 0: a server connection (log prefix "Proto,session,peerHost") accepted by the
  // port numbered serverPort; -1: a client connection ("Proto,client").
  StreamConnection(Reactor& reactor, LiveSet& live, int fd, std::shared_ptr<IProtocol> protocol,
                   Address peer, int session, int serverPort = 0);
  ~StreamConnection() override;
  StreamConnection(const StreamConnection&) = delete;
  StreamConnection& operator=(const StreamConnection&) = delete;

  // Hands the transport to the protocol (makeConnection -> connectionMade), then starts
  // reading unless the protocol paused or closed it meanwhile.
  void start();
  // Called once after the protocol's connectionLost has returned (the connector uses it
  // to tell its client factory).
  void setCloseHook(Function<void(const Failure&)> hook) { closeHook_ = std::move(hook); }

  State state() const noexcept { return state_; }
  WriteState writeState() const noexcept { return writeState_; }
  std::size_t bufferedBytes() const noexcept { return buffer_.size(); }

  // IConsumer / ITransport / ITCPTransport
  void registerProducer(std::shared_ptr<IProducer> producer, bool streaming) override;
  void unregisterProducer() override;
  void write(std::string_view data) override;
  void writeSequence(std::span<const std::string_view> data) override;
  void loseConnection() override;
  void loseWriteConnection() override;
  void abortConnection() override;
  Address getPeer() const override { return peer_; }
  Address getHost() const override;
  bool disconnecting() const override { return state_ != State::kConnected; }
  bool getTcpNoDelay() const override;
  void setTcpNoDelay(bool enabled) override;
  bool getTcpKeepAlive() const override;
  void setTcpKeepAlive(bool enabled) override;
  std::string repr() const override;

  // IFinishableConsumer: the producer has finished; see the file comment.
  void finish() override;

  // IPushProducer: the transport as a producer of what it reads.
  void pauseProducing() override;
  void resumeProducing() override;
  void stopProducing() override;

  // IReadWriteDescriptor (called by the reactor). They report loss themselves and always
  // return nullopt.
  int fileno() const override { return fd_; }
  std::optional<Failure> doRead() override;
  std::optional<Failure> doWrite() override;
  // IEdgeTriggeredDescriptor: doRead reads until a short read, up to a bound per call.
  bool readDrained() const override { return readDrained_; }
  // Spares the reactor the dynamic_cast each time the transport starts reading.
  const IEdgeTriggeredDescriptor* asEdgeTriggered() const override { return this; }
  // The reactor removed this descriptor (shutdown's disconnectAll, a hang-up).
  void connectionLost(const Failure& reason) override;
  // Made on first use (it names the protocol's class): no cost unless something logs.
  std::string logPrefix() const override;

  // ISystemHandle
  int getHandle() const override { return fd_; }

  // LiveMember
  void closeAtShutdown(const Failure& reason) override;
  void abandon() override;

 private:
  void requestSettle();
  void settle();
  // Sends what the buffer holds (one writev unless it holds more pieces than one writev
  // takes) until the socket is full or the buffer empty. False when the connection was lost.
  bool flush();
  // Sends views directly (the buffer is empty); returns the bytes sent or -1 on loss.
  long sendNow(std::span<const std::string_view> data);
  void onDrained();
  void shutdownWrite();
  void handleEOF();
  void noteSendError(int err);
  void maybePauseProducer();
  void startReading();
  void stopReading();
  void startWriting();
  void stopWriting();
  // Completes the close: deregisters, closes the fd, stops the producer, then tells the
  // protocol (and the close hook). Idempotent.
  void finishClose(const Failure& reason);
  void failWithCurrentException(const char* where);
  bool canWrite() const {
    return (state_ == State::kConnected || state_ == State::kDisconnecting) &&
           writeState_ == WriteState::kOpen;
  }

  Reactor& reactor_;
  LiveSet& live_;
  int fd_;
  std::shared_ptr<IProtocol> protocol_;
  IHalfCloseableProtocol* halfCloseable_ = nullptr;  // protocol_ as half-closeable, if it is
  Address peer_;
  mutable std::optional<Address> host_;
  mutable std::string logPrefix_;
  int session_;
  int serverPort_;
  const std::type_info* protocolType_;  // for repr(), which outlives protocol_
  transport::WriteBuffer buffer_;
  std::shared_ptr<IProducer> producer_;
  IPushProducer* pushProducer_ = nullptr;
  IPullProducer* pullProducer_ = nullptr;
  std::optional<Failure> pendingLoss_;  // a send error waiting for the flush phase
  Function<void(const Failure&)> closeHook_;
  State state_ = State::kConnected;
  WriteState writeState_ = WriteState::kOpen;
  bool streaming_ = false;
  bool producerPaused_ = false;
  bool reading_ = false;     // registered as a reader
  bool writing_ = false;     // registered as a writer
  bool readPaused_ = false;  // pauseProducing() by the user
  bool readClosed_ = false;  // the peer half-closed a half-closeable protocol
  bool settleScheduled_ = false;
  bool readDrained_ = true;  // the last doRead ended with a short read (or had to stop)
};

}  // namespace weft::tcp
