#pragma once

#include <nlohmann/json.hpp>

#include "core/dialect.h"
#include "mock_server/store.h"

namespace ixh::mock {

// Verifies every instance that had stream requests (stream_verify.h), sorted by instance id, as
// served in `dialect` (genai resumes may name frames). Called by GET /_mock/verify (worker
// thread) and by `ixh mock --verify` after the server stopped.
nlohmann::json verify_store(const Store& store, Dialect dialect);

}  // namespace ixh::mock
