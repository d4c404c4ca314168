#include "heap_counter.h"

#include <malloc.h>
#include <stdlib.h>

#include <atomic>
#include <cstddef>
#include <new>

namespace onnx_reinit::testing {
namespace {

std::atomic<size_t> in_use{0};
std::atomic<size_t> peak{0};

void* Counted(void* p) {
  if (p == nullptr) return nullptr;
  const size_t now =
      in_use.fetch_add(malloc_usable_size(p), std::memory_order_relaxed) +
      malloc_usable_size(p);
  size_t seen = peak.load(std::memory_order_relaxed);
  while (now > seen &&
         !peak.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
  }
  return p;
}

void* Allocate(size_t size, size_t alignment) {
  if (size == 0) size = 1;
  void* p = nullptr;
  if (alignment <= alignof(std::max_align_t)) {
    p = ::malloc(size);
  } else if (::posix_memalign(&p, alignment, size) != 0) {
    p = nullptr;
  }
  return Counted(p);
}

void Release(void* p) {
  if (p == nullptr) return;
  in_use.fetch_sub(malloc_usable_size(p), std::memory_order_relaxed);
  ::free(p);
}

void* AllocateOrThrow(size_t size, size_t alignment) {
  void* p = Allocate(size, alignment);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

size_t HeapInUse() { return in_use.load(); }
size_t HeapPeak() { return peak.load(); }
void ResetHeapPeak() { peak.store(in_use.load()); }

}  // namespace onnx_reinit::testing

using onnx_reinit::testing::Allocate;
using onnx_reinit::testing::AllocateOrThrow;
using onnx_reinit::testing::Release;

constexpr size_t kPlain = alignof(std::max_align_t);

void* operator new(size_t n) { return AllocateOrThrow(n, kPlain); }
void* operator new[](size_t n) { return AllocateOrThrow(n, kPlain); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  return Allocate(n, kPlain);
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  return Allocate(n, kPlain);
}
void* operator new(size_t n, std::align_val_t a) {
  return AllocateOrThrow(n, static_cast<size_t>(a));
}
void* operator new[](size_t n, std::align_val_t a) {
  return AllocateOrThrow(n, static_cast<size_t>(a));
}
void* operator new(size_t n, std::align_val_t a,
                   const std::nothrow_t&) noexcept {
  return Allocate(n, static_cast<size_t>(a));
}
void* operator new[](size_t n, std::align_val_t a,
                     const std::nothrow_t&) noexcept {
  return Allocate(n, static_cast<size_t>(a));
}
void operator delete(void* p) noexcept { Release(p); }
void operator delete[](void* p) noexcept { Release(p); }
void operator delete(void* p, size_t) noexcept { Release(p); }
void operator delete[](void* p, size_t) noexcept { Release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Release(p); }
void operator delete(void* p, std::align_val_t) noexcept { Release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { Release(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { Release(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept {
  Release(p);
}
void operator delete(void* p, std::align_val_t,
                     const std::nothrow_t&) noexcept {
  Release(p);
}
void operator delete[](void* p, std::align_val_t,
                       const std::nothrow_t&) noexcept {
  Release(p);
}
