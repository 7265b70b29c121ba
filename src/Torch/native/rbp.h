// Shared plumbing of the shim: handle type, exported-symbol macro, error capture.
#pragma once
#include <ATen/ATen.h>
#include <string>
#include <vector>

// Opaque handle the C# side owns (SafeHandle); freed by rbp_tensor_free.
typedef at::Tensor* TensorH;

#define RBP_API extern "C" __attribute__((visibility("default")))

namespace rbp {
void set_error(const char* message);

// Wraps a result in a heap handle; an undefined tensor (e.g. a missing grad) becomes a null handle with no error.
inline TensorH wrap(at::Tensor t) { return t.defined() ? new at::Tensor(std::move(t)) : nullptr; }

inline c10::optional<at::Tensor> opt(TensorH h) {
  return h ? c10::optional<at::Tensor>(*h) : c10::nullopt;
}

inline std::vector<at::Tensor> list(TensorH* hs, int n) {
  std::vector<at::Tensor> v;
  v.reserve(n);
  for (int i = 0; i < n; i++) v.push_back(*hs[i]);
  return v;
}

// Scalars cross the ABI as (double, int64, kind) so that int tensor + 2 stays integral as in PyTorch.
inline at::Scalar scalar(double d, int64_t i, int kind) {
  switch (kind) {
    case 1: return at::Scalar(i);
    case 2: return at::Scalar(i != 0);
    default: return at::Scalar(d);
  }
}

inline at::TensorOptions options(int dtype, int device_type, int device_index) {
  return at::TensorOptions()
      .dtype(static_cast<at::ScalarType>(dtype))
      .device(at::Device(static_cast<at::DeviceType>(device_type), static_cast<c10::DeviceIndex>(device_index)));
}
}  // namespace rbp

// Every export runs its body in GUARD: a libtorch error becomes the thread-local message plus the failure value,
// never an exception unwinding into the CLR (which would abort the process).
#define GUARD(fail, ...)                                              \
  try {                                                               \
    __VA_ARGS__                                                       \
  } catch (const c10::Error& e) {                                     \
    rbp::set_error(e.what_without_backtrace());                       \
    return fail;                                                      \
  } catch (const std::exception& e) {                                 \
    rbp::set_error(e.what());                                         \
    return fail;                                                      \
  } catch (...) {                                                     \
    rbp::set_error("unknown native error");                           \
    return fail;                                                      \
  }
