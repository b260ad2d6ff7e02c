#include "weft/testing/connection_completer.h"

#include <cstddef>
#include <memory>
#include <utility>

namespace weft::testing {

std::optional<IOPump> ConnectionCompleter::succeedOnce() {
  auto& clients = reactor_.tcpClients;
  for (std::size_t i = 0; i < clients.size(); ++i) {
    for (const TCPServer& server : reactor_.tcpServers) {
      if (server.port != clients[i].port) continue;
      std::shared_ptr<ClientFactory> clientFactory = clients[i].factory;
      std::shared_ptr<IProtocolFactory> serverFactory = server.factory;
      clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(i));
      if (i < reactor_.connectors.size()) {
        reactor_.connectors.erase(reactor_.connectors.begin() + static_cast<std::ptrdiff_t>(i));
      }
      if (!clientFactory || !serverFactory) return std::nullopt;
      auto clientProtocol = clientFactory->buildProtocol(kServerAddress);
      auto serverProtocol = serverFactory->buildProtocol(kClientAddress);
      if (!clientProtocol || !serverProtocol) return std::nullopt;
      return std::move(connect(std::move(serverProtocol), std::move(clientProtocol)).pump);
    }
  }
  return std::nullopt;
}

void ConnectionCompleter::failOnce(const Failure& reason) {
  auto& clients = reactor_.tcpClients;
  if (clients.empty()) throw error::RuntimeError("ConnectionCompleter: no connection attempt");
  std::shared_ptr<ClientFactory> factory = clients.front().factory;
  clients.erase(clients.begin());
  std::shared_ptr<IConnector> connector;
  if (!reactor_.connectors.empty()) {
    connector = reactor_.connectors.front();
    reactor_.connectors.erase(reactor_.connectors.begin());
  }
  if (factory) factory->clientConnectionFailed(connector, reason);
}

}  // namespace weft::testing
