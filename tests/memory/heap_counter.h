// Heap accounting for the binary that links heap_counter.cc, which replaces
// the global operator new and delete (every form): the bytes in use (as
// malloc_usable_size counts them, so rounding is included) and the most in
// use since the last ResetHeapPeak, over all threads.
#ifndef ONNX_REINIT_TESTS_MEMORY_HEAP_COUNTER_H_
#define ONNX_REINIT_TESTS_MEMORY_HEAP_COUNTER_H_

#include <cstddef>

namespace onnx_reinit::testing {

size_t HeapInUse();
size_t HeapPeak();
// The peak becomes what is in use now.
void ResetHeapPeak();

}  // namespace onnx_reinit::testing

#endif  // ONNX_REINIT_TESTS_MEMORY_HEAP_COUNTER_H_
