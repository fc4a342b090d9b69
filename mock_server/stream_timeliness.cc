#include "mock_server/stream_timeliness.h"

#include <algorithm>
#include <cmath>

namespace ixh::mock {

double LatenessTally::upper_ms_at(double percentile) const {
  if (total_ == 0) return 0;
  // The rank of the value at `percentile`, 1-based, as nearest-rank percentiles define it. The
  // epsilon keeps a decimal percentile such as 99.9 (inexact in binary) from rounding a whole
  // rank up to the next one.
  const auto rank = static_cast<std::uint64_t>(
      std::ceil(percentile * static_cast<double>(total_) / 100.0 - 1e-9));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen < std::max<std::uint64_t>(rank, 1)) continue;
    if (i < kFine) return static_cast<double>(i + 1) / 10.0;
    if (i < kFine + kCoarse) return 100.0 + static_cast<double>(i - kFine + 1) * 10.0;
    return 10'000.0;
  }
  return 10'000.0;
}

}  // namespace ixh::mock
