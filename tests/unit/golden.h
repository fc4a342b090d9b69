#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace ixh::testing {

// Compares `actual` with tests/testdata/<relative>. With IXH_UPDATE_GOLDEN=1 in the environment
// the file is rewritten instead, so a deliberate wire change is one command plus a reviewed diff.
inline void ExpectGolden(const std::string& relative, const std::string& actual) {
  const std::string path = std::string(IXH_SOURCE_DIR) + "/tests/testdata/" + relative;
  if (const char* update = std::getenv("IXH_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in.good()) << "missing golden file " << path
                         << " (run with IXH_UPDATE_GOLDEN=1 to create it)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(expected.str(), actual) << "differs from golden file " << path;
}

}  // namespace ixh::testing
