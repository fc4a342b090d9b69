#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ixh {

// The Google JSON error body both dialects use:
//   {"error":{"code":404,"message":"...","status":"NOT_FOUND"}}
// Called by the mock's request handlers (any worker thread).
std::string google_error_json(int http_status, std::string_view message);

// Canonical status name for an HTTP status: 400 INVALID_ARGUMENT, 401 UNAUTHENTICATED,
// 403 PERMISSION_DENIED, 404 NOT_FOUND, 409 ABORTED, 429 RESOURCE_EXHAUSTED, 500 INTERNAL,
// 501 NOT_IMPLEMENTED, 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED, anything else UNKNOWN.
std::string_view google_status_name(int http_status);

}  // namespace ixh
