// Tensor lifecycle, factories, managed-memory copies, properties, conversions and autograd entry points.
#include "rbp.h"

#include <ATen/core/grad_mode.h>
#include <cstring>

RBP_API void rbp_tensor_free(TensorH t) { delete t; }

// A second handle to the same tensor (shares storage and autograd identity), as Python's `b = a`.
RBP_API TensorH rbp_tensor_alias(TensorH t) { GUARD(nullptr, { return new at::Tensor(*t); }) }

// Copies ndata bytes from managed memory; the tensor never aliases the caller's buffer.
RBP_API TensorH rbp_tensor_from_data(const void* data, int64_t nbytes, const int64_t* shape, int ndim, int dtype,
                                     int device_type, int device_index, int requires_grad) {
  GUARD(nullptr, {
    auto cpu = at::empty(at::IntArrayRef(shape, ndim), at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype)));
    if (static_cast<int64_t>(cpu.nbytes()) != nbytes)
      throw std::invalid_argument("data holds " + std::to_string(nbytes) + " bytes but shape " +
                                  c10::str(cpu.sizes()) + " of " + c10::toString(cpu.scalar_type()) + " needs " +
                                  std::to_string(cpu.nbytes()));
    if (nbytes > 0) std::memcpy(cpu.data_ptr(), data, nbytes);
    auto t = device_type == 0 ? cpu : cpu.to(at::Device(static_cast<at::DeviceType>(device_type), device_index));
    if (requires_grad) t.set_requires_grad(true);
    return rbp::wrap(t);
  })
}

// Copies the tensor's elements (any layout/device) into managed memory of exactly nbytes.
RBP_API int rbp_tensor_copy_to(TensorH t, void* dst, int64_t nbytes) {
  GUARD(-1, {
    at::NoGradGuard no_grad;
    auto src = t->device().is_cpu() ? t->contiguous() : t->to(at::kCPU).contiguous();
    if (static_cast<int64_t>(src.nbytes()) != nbytes)
      throw std::invalid_argument("destination holds " + std::to_string(nbytes) + " bytes but the tensor has " +
                                  std::to_string(src.nbytes()));
    if (nbytes > 0) std::memcpy(dst, src.data_ptr(), nbytes);
    return 0;
  })
}

enum FactoryOp { F_EMPTY = 0, F_ZEROS, F_ONES, F_FULL, F_RAND, F_RANDN, F_RANDINT, F_ARANGE, F_LINSPACE, F_EYE };

// One entry for every shape-and-options factory; a, b, c are the op's numbers (fill value, bounds, step).
RBP_API TensorH rbp_tensor_factory(int op, const int64_t* shape, int ndim, int dtype, int device_type,
                                   int device_index, int requires_grad, double a, double b, double c) {
  GUARD(nullptr, {
    auto o = rbp::options(dtype, device_type, device_index);
    at::IntArrayRef s(shape, ndim);
    at::Tensor t;
    switch (op) {
      case F_EMPTY: t = at::empty(s, o); break;
      case F_ZEROS: t = at::zeros(s, o); break;
      case F_ONES: t = at::ones(s, o); break;
      case F_FULL: t = at::full(s, a, o); break;
      case F_RAND: t = at::rand(s, o); break;
      case F_RANDN: t = at::randn(s, o); break;
      case F_RANDINT: t = at::randint(static_cast<int64_t>(a), static_cast<int64_t>(b), s, o); break;
      case F_ARANGE:
        if (o.dtype() == at::kLong || o.dtype() == at::kInt)
          t = at::arange(static_cast<int64_t>(a), static_cast<int64_t>(b), static_cast<int64_t>(c), o);
        else
          t = at::arange(a, b, c, o);
        break;
      case F_LINSPACE: t = at::linspace(a, b, static_cast<int64_t>(c), o); break;
      case F_EYE: t = at::eye(static_cast<int64_t>(a), o); break;
      default: throw std::invalid_argument("unknown factory op " + std::to_string(op));
    }
    if (requires_grad) t.set_requires_grad(true);
    return rbp::wrap(t);
  })
}

enum LikeOp { L_ZEROS = 0, L_ONES, L_RAND, L_RANDN, L_EMPTY, L_FULL };

RBP_API TensorH rbp_tensor_like(int op, TensorH t, double value) {
  GUARD(nullptr, {
    switch (op) {
      case L_ZEROS: return rbp::wrap(at::zeros_like(*t));
      case L_ONES: return rbp::wrap(at::ones_like(*t));
      case L_RAND: return rbp::wrap(at::rand_like(*t));
      case L_RANDN: return rbp::wrap(at::randn_like(*t));
      case L_EMPTY: return rbp::wrap(at::empty_like(*t));
      case L_FULL: return rbp::wrap(at::full_like(*t, value));
      default: throw std::invalid_argument("unknown like op " + std::to_string(op));
    }
  })
}

RBP_API int rbp_tensor_ndim(TensorH t) { GUARD(-1, { return static_cast<int>(t->dim()); }) }

RBP_API int rbp_tensor_shape(TensorH t, int64_t* out, int capacity) {
  GUARD(-1, {
    auto sizes = t->sizes();
    if (static_cast<int>(sizes.size()) > capacity) throw std::invalid_argument("shape buffer too small");
    for (size_t i = 0; i < sizes.size(); i++) out[i] = sizes[i];
    return static_cast<int>(sizes.size());
  })
}

RBP_API int rbp_tensor_dtype(TensorH t) { GUARD(-1, { return static_cast<int>(t->scalar_type()); }) }

RBP_API int rbp_tensor_device(TensorH t, int* index) {
  GUARD(-1, {
    *index = t->device().index();
    return static_cast<int>(t->device().type());
  })
}

RBP_API int64_t rbp_tensor_numel(TensorH t) { GUARD(-1, { return t->numel(); }) }

RBP_API int rbp_tensor_item(TensorH t, double* out) {
  GUARD(-1, {
    *out = t->item<double>();
    return 0;
  })
}

RBP_API int rbp_tensor_item_long(TensorH t, int64_t* out) {
  GUARD(-1, {
    *out = t->item<int64_t>();
    return 0;
  })
}

// dtype < 0 keeps the dtype; device_type < 0 keeps the device.
RBP_API TensorH rbp_tensor_to(TensorH t, int dtype, int device_type, int device_index, int copy) {
  GUARD(nullptr, {
    auto dt = dtype < 0 ? t->scalar_type() : static_cast<at::ScalarType>(dtype);
    auto dev = device_type < 0 ? t->device()
                               : at::Device(static_cast<at::DeviceType>(device_type), device_index);
    return rbp::wrap(t->to(dev, dt, /*non_blocking=*/false, copy != 0));
  })
}

// Replaces the data a handle sees while keeping its identity (and autograd leaf status), as `param.data = x` does;
// module.to(device) relies on it so that optimisers keep pointing at the moved parameters.
RBP_API int rbp_tensor_set_data(TensorH t, TensorH src) {
  GUARD(-1, {
    t->set_data(*src);
    return 0;
  })
}

RBP_API int rbp_tensor_requires_grad(TensorH t) { GUARD(-1, { return t->requires_grad() ? 1 : 0; }) }

RBP_API int rbp_tensor_set_requires_grad(TensorH t, int value) {
  GUARD(-1, {
    t->set_requires_grad(value != 0);
    return 0;
  })
}

RBP_API int rbp_tensor_is_leaf(TensorH t) { GUARD(-1, { return t->is_leaf() ? 1 : 0; }) }

// Null without error when the tensor has no gradient yet.
RBP_API TensorH rbp_tensor_grad(TensorH t) { GUARD(nullptr, { return rbp::wrap(t->grad()); }) }

// grad may be null to clear the gradient (zero_grad(set_to_none=True)).
RBP_API int rbp_tensor_set_grad(TensorH t, TensorH grad) {
  GUARD(-1, {
    t->mutable_grad() = grad ? *grad : at::Tensor();
    return 0;
  })
}

// In place, like optimizer.zero_grad(set_to_none=False) for one tensor; a no-op when no grad exists.
RBP_API int rbp_tensor_zero_grad(TensorH t) {
  GUARD(-1, {
    auto& g = t->mutable_grad();
    if (g.defined()) {
      if (g.grad_fn()) g = g.detach();
      else g.requires_grad_(false);
      g.zero_();
    }
    return 0;
  })
}

RBP_API int rbp_tensor_backward(TensorH t, TensorH grad, int retain_graph, int create_graph) {
  GUARD(-1, {
    t->backward(grad ? *grad : at::Tensor(), retain_graph < 0 ? c10::optional<bool>() : c10::optional<bool>(retain_graph != 0),
                create_graph != 0);
    return 0;
  })
}

RBP_API int rbp_tensor_to_string(TensorH t, char* buffer, int capacity) {
  GUARD(-1, {
    std::ostringstream os;
    os << *t;
    auto s = os.str();
    auto n = std::min<int>(capacity - 1, static_cast<int>(s.size()));
    std::memcpy(buffer, s.data(), n);
    buffer[n] = 0;
    return static_cast<int>(s.size());
  })
}
