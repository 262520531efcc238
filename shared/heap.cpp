// See heap.hpp.
#include "shared/heap.hpp"

#include <malloc.h>

namespace liaison {

void keep_heap_between_batches() {
  // Fixed thresholds also turn off glibc's sliding mmap threshold, so large
  // buffers (a decoded batch) come from the heap and stay there.
  constexpr int kMiB = 1 << 20;
  mallopt(M_MMAP_THRESHOLD, 32 * kMiB);
  mallopt(M_TRIM_THRESHOLD, 64 * kMiB);
  mallopt(M_TOP_PAD, 4 * kMiB);
}

}  // namespace liaison
