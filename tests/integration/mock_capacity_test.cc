// Server set-up for many concurrent streams (mock_server/mock_server.cc): the open-file limit
// is raised to its hard limit and, by default, sizes the worker pool; keep-alive connections
// carry many requests.

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/resource.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/scenario_loader.h"
#include "mock_server/mock_server.h"
#include "tests/integration/mock_fixture.h"

namespace ixh::mock {
namespace {

std::vector<Scenario> conformance() {
  return load_scenarios({std::string(IXH_SOURCE_DIR) + "/scenarios/conformance"});
}

TEST(MockCapacityTest, DefaultPoolIsSizedToTheRaisedOpenFileLimit) {
  const std::vector<Scenario> scenarios = conformance();
  test::InProcessMock mock(scenarios);
  ASSERT_TRUE(mock.started()) << mock.error();
  rlimit r{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &r), 0);
  if (r.rlim_max != RLIM_INFINITY) {
    EXPECT_EQ(r.rlim_cur, r.rlim_max) << "soft limit not raised";
  }
  httplib::Client client(mock.base_url());
  const auto res = client.Get("/_mock/health");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  const nlohmann::json h = nlohmann::json::parse(res->body);
  const auto max = h.at("server").value("max_connections", std::size_t{0});
  const std::size_t expected =
      r.rlim_cur == RLIM_INFINITY ? 100000 : static_cast<std::size_t>(r.rlim_cur) - 64;
  EXPECT_EQ(max, std::min<std::size_t>(expected, 100000));
  mock.server().stop();
}

TEST(MockCapacityTest, KeepAliveConnectionCarriesManyRequests) {
  const std::vector<Scenario> scenarios = conformance();
  MockOptions options;
  options.max_connections = 4;
  test::InProcessMock mock(scenarios, options);
  ASSERT_TRUE(mock.started()) << mock.error();
  {
    httplib::Client client(mock.base_url());
    client.set_keep_alive(true);
    for (int i = 0; i < 20; ++i) {
      const auto res = client.Get("/v1beta/interactions/completed.keep");
      ASSERT_TRUE(res) << i << ": " << httplib::to_string(res.error());
      EXPECT_EQ(res->status, 200);
    }
  }
  // One connection served all twenty: the journal saw one remote port.
  const nlohmann::json journal = mock.server().journal().to_json(0);
  std::vector<std::string> remotes;
  for (const nlohmann::json& e : journal.at("entries")) {
    if (e.value("instance", "") != "completed.keep") continue;
    const std::string remote = e.value("remote", "");
    if (std::find(remotes.begin(), remotes.end(), remote) == remotes.end()) {
      remotes.push_back(remote);
    }
  }
  EXPECT_EQ(remotes.size(), 1u) << "the connection was closed and reopened";
  mock.server().stop();
}

}  // namespace
}  // namespace ixh::mock
