// Process-wide runtime: error text, allocator tuning, threads, seeds, determinism, devices, grad mode.
#include "rbp.h"

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <malloc.h>
#include <cstdlib>
#include <torch/version.h>

namespace {
thread_local std::string last_error;
thread_local bool has_error = false;

// glibc serves allocations above its mmap threshold with fresh mappings and returns freed heap tops above its trim
// threshold to the kernel. Training allocates and frees megabyte-sized activations every step, so with the
// defaults every step pays page faults (measured here: ~0.7 s of system time per 100 ResidualBind steps, ~8% of the
// step time). Fixed thresholds keep those blocks in the heap. Raising only the mmap threshold is not enough: it
// also freezes the trim threshold at 128 kB, and the heap is then trimmed and faulted back instead.
// RBP_TORCH_MALLOC=default keeps glibc's behaviour (for comparisons).
__attribute__((constructor)) void tune_allocator() {
  const char* mode = getenv("RBP_TORCH_MALLOC");
  if (mode && std::string(mode) == "default") return;
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
}
}  // namespace

void rbp::set_error(const char* message) {
  last_error = message ? message : "";
  has_error = true;
}

// Returns the calling thread's pending error and clears it (null when none). The pointer stays valid until the
// next failing call on this thread.
RBP_API const char* rbp_last_error() {
  if (!has_error) return nullptr;
  has_error = false;
  return last_error.c_str();
}

RBP_API void rbp_set_num_threads(int n) { at::set_num_threads(n); }
RBP_API int rbp_get_num_threads() { return at::get_num_threads(); }

RBP_API int rbp_manual_seed(uint64_t seed) { GUARD(-1, { at::manual_seed(seed); return 0; }) }

RBP_API int rbp_set_deterministic(int enabled, int warn_only) {
  GUARD(-1, {
    at::globalContext().setDeterministicAlgorithms(enabled != 0, warn_only != 0);
    at::globalContext().setDeterministicCuDNN(enabled != 0);
    at::globalContext().setBenchmarkCuDNN(false);
    return 0;
  })
}

RBP_API int rbp_cuda_device_count() {
  GUARD(-1, { return at::detail::getCUDAHooks().getNumGPUs(); })
}

RBP_API int rbp_cuda_is_built() { return at::detail::getCUDAHooks().hasCUDART() ? 1 : 0; }

RBP_API int rbp_cuda_synchronize(int device) {
  GUARD(-1, {
    if (at::detail::getCUDAHooks().getNumGPUs() > 0) at::detail::getCUDAHooks().deviceSynchronize(device);
    return 0;
  })
}

RBP_API int rbp_grad_enabled() { return at::GradMode::is_enabled() ? 1 : 0; }
RBP_API void rbp_set_grad_enabled(int enabled) { at::GradMode::set_enabled(enabled != 0); }

// The CPU generator's full state as a uint8 tensor (resuming training with dropout needs it).
RBP_API TensorH rbp_get_rng_state() {
  GUARD(nullptr, {
    auto gen = at::globalContext().defaultGenerator(at::kCPU);
    std::lock_guard<std::mutex> lock(gen.mutex());
    return rbp::wrap(gen.get_state());
  })
}

RBP_API int rbp_set_rng_state(TensorH state) {
  GUARD(-1, {
    auto gen = at::globalContext().defaultGenerator(at::kCPU);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(*state);
    return 0;
  })
}

RBP_API const char* rbp_version() { return TORCH_VERSION; }
