// ixh_bench_payload: writes the bodies bench/run.sh serves from nginx, so nginx answers with
// exactly the bytes a seed-dialect server sends.
//   ixh_bench_payload interaction ID [TEXT_BYTES]    a GET body (completed interaction ID)
//   ixh_bench_payload stream ID DELTAS DELTA_BYTES   a whole SSE body of interaction ID
//   ixh_bench_payload final ID DELTAS DELTA_BYTES    the GET body of that stream's interaction

#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/bench_payload.h"
#include "core/seed_dialect.h"

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "";
  std::string out;
  if (what == "interaction" && argc > 2) {
    const std::size_t bytes = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 256;
    out = ixh::encode_seed_interaction(ixh::bench::sample_interaction(bytes, argv[2]));
  } else if (what == "stream" && argc > 4) {
    out = ixh::bench::seed_stream(std::strtoul(argv[3], nullptr, 10),
                                  std::strtoul(argv[4], nullptr, 10), argv[2]);
  } else if (what == "final" && argc > 4) {
    out = ixh::encode_seed_interaction(ixh::bench::seed_stream_final(
        std::strtoul(argv[3], nullptr, 10), std::strtoul(argv[4], nullptr, 10), argv[2]));
  } else {
    std::fprintf(
        stderr,
        "usage: ixh_bench_payload interaction ID [TEXT_BYTES] | stream ID DELTAS DELTA_BYTES | "
        "final ID DELTAS DELTA_BYTES\n");
    return 2;
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
