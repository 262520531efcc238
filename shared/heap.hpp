// How the programs ask the C library to manage their heap. A sync handles
// batches of similar size one after another; by default glibc hands the top
// of the heap back to the kernel after each and faults it in again for the
// next, which cost about a third of a client's time in a bootstrap.
#pragma once

namespace liaison {

// Keeps freed memory (up to tens of megabytes, the size of a few batches)
// for the next batch instead of returning it to the kernel. Call once at
// start-up, before any thread starts.
void keep_heap_between_batches();

}  // namespace liaison
