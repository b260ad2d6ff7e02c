// The chat protocol shared by chat_server.cc and weft-demo.cc: Twisted's classic
// multi-user line chat (the "chatserver.py" of the Twisted book), plus join/leave notices.
//
// A new user is asked for a nickname until it picks one nobody has; from then on each line
// they send goes to everybody else as "<nick> text". "/quit" says goodbye and hangs up.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <weft/weft.h>

namespace chat {

class Chat;
using Users = std::map<std::string, Chat*, std::less<>>;  // nickname -> its connection

class Chat : public weft::protocols::LineReceiver {
 public:
  explicit Chat(std::shared_ptr<Users> users) : users_(std::move(users)) {}

  void connectionMade() override {
    // Interactive: each line leaves at once (without this, Nagle holds a second small write
    // until the peer's delayed ACK, up to 40 ms later).
    if (auto* tcp = dynamic_cast<weft::ITCPTransport*>(transport.get())) tcp->setTcpNoDelay(true);
    sendLine("What's your name?");
  }

  void connectionLost(const weft::Failure& reason) override {
    LineReceiver::connectionLost(reason);
    if (name_.empty()) return;
    users_->erase(name_);
    bool clean = reason.check<weft::error::ConnectionDone>();
    broadcast("* " + name_ + (clean ? " has left" : " has dropped out"));
  }

  void lineReceived(std::string_view line) override {
    if (name_.empty()) {
      chooseName(std::string(line));
    } else if (line == "/quit") {
      sendLine("Bye!");
      transport->loseConnection();
    } else {
      broadcast("<" + name_ + "> " + std::string(line));
    }
  }

 private:
  void chooseName(std::string name) {
    if (name.empty() || users_->contains(name)) {
      sendLine("Name taken, please choose another.");
      return;
    }
    sendLine("Welcome, " + name + "!");
    name_ = std::move(name);
    broadcast("* " + name_ + " has joined");
    (*users_)[name_] = this;
  }

  // To everybody but this user.
  void broadcast(const std::string& message) {
    for (auto& [name, user] : *users_) {
      if (user != this) user->sendLine(message);
    }
  }

  std::shared_ptr<Users> users_;
  std::string name_;  // empty until chosen
};

// Factory.forProtocol(Chat, users): every connection shares one table of users.
inline std::shared_ptr<weft::Factory> makeFactory() {
  return weft::Factory::forProtocol<Chat>(std::make_shared<Users>());
}

}  // namespace chat
