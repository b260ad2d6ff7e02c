#include "weft/base/error.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace weft::error {
namespace {

TEST(ErrorTest, cannotListenErrorCarriesInterfacePortAndErrno) {
  CannotListenError e("127.0.0.1", 80, EADDRINUSE);
  EXPECT_EQ(e.interface(), "127.0.0.1");
  EXPECT_EQ(e.port(), 80);
  EXPECT_EQ(e.socketError(), EADDRINUSE);
  EXPECT_NE(std::string(e.what()).find("127.0.0.1:80"), std::string::npos);
}

TEST(ErrorTest, throwConnectErrorMapsErrnoToSubclass) {
  try {
    throwConnectError(ECONNREFUSED);
    FAIL();
  } catch (const ConnectionRefusedError& e) {
    EXPECT_EQ(e.osError(), ECONNREFUSED);
  }
  EXPECT_THROW(throwConnectError(ETIMEDOUT), TCPTimedOutError);
  EXPECT_THROW(throwConnectError(EHOSTUNREACH), NoRouteError);
  EXPECT_THROW(throwConnectError(EIO), ConnectError);
}

TEST(ErrorTest, hierarchyMatchesTwisted) {
  EXPECT_TRUE((std::is_base_of_v<ConnectionLost, ConnectionAborted>));
  EXPECT_TRUE((std::is_base_of_v<ConnectionClosed, ConnectionDone>));
  EXPECT_TRUE((std::is_base_of_v<RuntimeError, ReactorNotRunning>));
  EXPECT_TRUE((std::is_base_of_v<ValueError, AlreadyCalled>));
  EXPECT_TRUE((std::is_base_of_v<AssertionError, ReactorAlreadyInstalledError>));
  EXPECT_TRUE((std::is_base_of_v<ConnectError, TimeoutError>));
  EXPECT_FALSE((std::is_base_of_v<ConnectionDone, ConnectionLost>));
}

TEST(ErrorTest, processTerminatedCarriesExitCodeAndSignal) {
  ProcessTerminated t(3, std::nullopt, 3 << 8);
  EXPECT_EQ(t.exitCode(), 3);
  EXPECT_FALSE(t.signal().has_value());
  EXPECT_NE(std::string(t.what()).find("exit code 3"), std::string::npos);
}

}  // namespace
}  // namespace weft::error
