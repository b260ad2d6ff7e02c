// IReactorTCP::servicePort: service names as port numbers (TCPC-11).
#include "weft/base/error.h"
#include "weft/internet/transport.h"

#include <cerrno>
#include <cstdint>
#include <netdb.h>
#include <netinet/in.h>
#include <string>
#include <vector>

namespace weft {

int IReactorTCP::servicePort(std::string_view service) {
  std::string name(service);  // NUL-terminated for the C library
  servent entry{};
  servent* found = nullptr;
  std::vector<char> buffer(1024);
  int rc;
  // ERANGE: the entry (its aliases) did not fit; retry with more room.
  while ((rc = ::getservbyname_r(name.c_str(), "tcp", &entry, buffer.data(), buffer.size(),
                                 &found)) == ERANGE &&
         buffer.size() < 1024 * 1024) {
    buffer.resize(buffer.size() * 2);
  }
  if (rc != 0 || found == nullptr) {
    throw error::ServiceNameUnknownError("service/proto not found (" + name + ")");
  }
  return ntohs(static_cast<std::uint16_t>(found->s_port));
}

}  // namespace weft
