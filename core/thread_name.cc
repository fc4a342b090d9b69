#include "core/thread_name.h"

#include <pthread.h>

namespace ixh {

void name_this_thread(const std::string& name) {
  // The kernel keeps 15 bytes and a terminator; pthread_setname_np refuses anything longer.
  const std::string cut = name.substr(0, 15);
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace ixh
