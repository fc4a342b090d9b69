#pragma once

#include <string>
#include <string_view>

namespace ixh {

// One reference token of an RFC 6901 JSON pointer: '~' becomes "~0" and '/' becomes "~1".
// Used wherever a message names a spot in a document (the scenario loader, the decoders).
std::string json_pointer_token(std::string_view key);

}  // namespace ixh
