// Tensor math: generic unary/binary/reduction/shape entry points selected by op code. The codes are mirrored by
// the C# enums in src/Torch/Native/OpCodes.cs; append new codes at the end of a list, never renumber.
#include "rbp.h"

#include <ATen/core/grad_mode.h>

namespace {
enum Unary {
  U_NEG = 0, U_EXP, U_LOG, U_SIGMOID, U_TANH, U_RELU, U_SQRT, U_ABS, U_CLONE, U_CONTIGUOUS, U_DETACH, U_SQUARE,
  U_RSQRT, U_LOG1P, U_FLOOR, U_CEIL, U_ROUND, U_SIGN, U_LOGICAL_NOT, U_SIN, U_COS, U_T, U_RECIPROCAL, U_ISNAN,
  U_EXPM1, U_ZERO, U_LOG_SIGMOID, U_SOFTPLUS, U_ELU, U_GELU, U_SILU, U_LEAKY_RELU
};

at::Tensor unary(int op, const at::Tensor& t) {
  switch (op) {
    case U_NEG: return t.neg();
    case U_EXP: return t.exp();
    case U_LOG: return t.log();
    case U_SIGMOID: return t.sigmoid();
    case U_TANH: return t.tanh();
    case U_RELU: return t.relu();
    case U_SQRT: return t.sqrt();
    case U_ABS: return t.abs();
    case U_CLONE: return t.clone();
    case U_CONTIGUOUS: return t.contiguous();
    case U_DETACH: return t.detach();
    case U_SQUARE: return t.square();
    case U_RSQRT: return t.rsqrt();
    case U_LOG1P: return t.log1p();
    case U_FLOOR: return t.floor();
    case U_CEIL: return t.ceil();
    case U_ROUND: return t.round();
    case U_SIGN: return t.sign();
    case U_LOGICAL_NOT: return t.logical_not();
    case U_SIN: return t.sin();
    case U_COS: return t.cos();
    case U_T: return t.t();
    case U_RECIPROCAL: return t.reciprocal();
    case U_ISNAN: return t.isnan();
    case U_EXPM1: return t.expm1();
    case U_LOG_SIGMOID: return at::log_sigmoid(t);
    case U_SOFTPLUS: return at::softplus(t);
    case U_ELU: return at::elu(t);
    case U_GELU: return at::gelu(t);
    case U_SILU: return at::silu(t);
    case U_LEAKY_RELU: return at::leaky_relu(t);
    default: throw std::invalid_argument("unknown unary op " + std::to_string(op));
  }
}

void unary_inplace(int op, at::Tensor& t) {
  switch (op) {
    case U_NEG: t.neg_(); break;
    case U_EXP: t.exp_(); break;
    case U_LOG: t.log_(); break;
    case U_SIGMOID: t.sigmoid_(); break;
    case U_TANH: t.tanh_(); break;
    case U_RELU: t.relu_(); break;
    case U_SQRT: t.sqrt_(); break;
    case U_ABS: t.abs_(); break;
    case U_DETACH: t.detach_(); break;
    case U_SQUARE: t.square_(); break;
    case U_ZERO: t.zero_(); break;
    default: throw std::invalid_argument("unary op " + std::to_string(op) + " has no in-place form");
  }
}

enum Binary {
  B_ADD = 0, B_SUB, B_MUL, B_DIV, B_POW, B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE, B_MATMUL, B_MAXIMUM, B_MINIMUM,
  B_LOGICAL_AND, B_LOGICAL_OR, B_REMAINDER, B_RSUB, B_RDIV, B_RPOW, B_COPY, B_FILL, B_FLOOR_DIVIDE
};

at::Tensor binary(int op, const at::Tensor& a, const at::Tensor& b, const at::Scalar& alpha) {
  switch (op) {
    case B_ADD: return at::add(a, b, alpha);
    case B_SUB: return at::sub(a, b, alpha);
    case B_MUL: return at::mul(a, b);
    case B_DIV: return at::div(a, b);
    case B_POW: return at::pow(a, b);
    case B_EQ: return at::eq(a, b);
    case B_NE: return at::ne(a, b);
    case B_LT: return at::lt(a, b);
    case B_LE: return at::le(a, b);
    case B_GT: return at::gt(a, b);
    case B_GE: return at::ge(a, b);
    case B_MATMUL: return at::matmul(a, b);
    case B_MAXIMUM: return at::maximum(a, b);
    case B_MINIMUM: return at::minimum(a, b);
    case B_LOGICAL_AND: return at::logical_and(a, b);
    case B_LOGICAL_OR: return at::logical_or(a, b);
    case B_REMAINDER: return at::remainder(a, b);
    case B_FLOOR_DIVIDE: return at::floor_divide(a, b);
    default: throw std::invalid_argument("unknown binary op " + std::to_string(op));
  }
}

at::Tensor binary_scalar(int op, const at::Tensor& a, const at::Scalar& s) {
  switch (op) {
    case B_ADD: return at::add(a, s);
    case B_SUB: return at::sub(a, s);
    case B_MUL: return at::mul(a, s);
    case B_DIV: return at::div(a, s);
    case B_POW: return at::pow(a, s);
    case B_EQ: return at::eq(a, s);
    case B_NE: return at::ne(a, s);
    case B_LT: return at::lt(a, s);
    case B_LE: return at::le(a, s);
    case B_GT: return at::gt(a, s);
    case B_GE: return at::ge(a, s);
    case B_REMAINDER: return at::remainder(a, s);
    case B_RSUB: return at::rsub(a, s);
    case B_RDIV: return at::mul(at::reciprocal(a), s);
    case B_RPOW: return at::pow(s, a);
    case B_FLOOR_DIVIDE: return at::floor_divide(a, s);
    default: throw std::invalid_argument("binary op " + std::to_string(op) + " has no scalar form");
  }
}

void binary_inplace(int op, at::Tensor& a, const at::Tensor& b, const at::Scalar& alpha) {
  switch (op) {
    case B_ADD: a.add_(b, alpha); break;
    case B_SUB: a.sub_(b, alpha); break;
    case B_MUL: a.mul_(b); break;
    case B_DIV: a.div_(b); break;
    case B_POW: a.pow_(b); break;
    case B_COPY: a.copy_(b); break;
    case B_MAXIMUM: at::maximum_out(a, a, b); break;
    default: throw std::invalid_argument("binary op " + std::to_string(op) + " has no in-place form");
  }
}

void binary_scalar_inplace(int op, at::Tensor& a, const at::Scalar& s) {
  switch (op) {
    case B_ADD: a.add_(s); break;
    case B_SUB: a.sub_(s); break;
    case B_MUL: a.mul_(s); break;
    case B_DIV: a.div_(s); break;
    case B_POW: a.pow_(s); break;
    case B_FILL: a.fill_(s); break;
    default: throw std::invalid_argument("binary op " + std::to_string(op) + " has no in-place scalar form");
  }
}

enum Reduce {
  R_SUM = 0, R_MEAN, R_AMAX, R_AMIN, R_PROD, R_STD, R_VAR, R_ARGMAX, R_ARGMIN, R_LOGSUMEXP, R_NORM, R_ANY, R_ALL,
  R_MAX, R_MIN, R_SOFTMAX, R_LOG_SOFTMAX, R_CUMSUM, R_COUNT_NONZERO
};

// has_dims=0 reduces over all elements. unbiased applies to std/var, p to norm.
at::Tensor reduce(int op, const at::Tensor& t, at::IntArrayRef dims, bool has_dims, bool keepdim, bool unbiased,
                  double p) {
  auto one_dim = [&]() -> int64_t {
    if (dims.size() != 1) throw std::invalid_argument("this reduction takes exactly one dimension");
    return dims[0];
  };
  switch (op) {
    case R_SUM: return has_dims ? t.sum(dims, keepdim) : t.sum();
    case R_MEAN: return has_dims ? t.mean(dims, keepdim) : t.mean();
    case R_AMAX: return t.amax(has_dims ? dims : at::IntArrayRef(), keepdim);
    case R_AMIN: return t.amin(has_dims ? dims : at::IntArrayRef(), keepdim);
    case R_PROD: return has_dims ? t.prod(one_dim(), keepdim) : t.prod();
    case R_STD: return has_dims ? t.std(dims, unbiased, keepdim) : t.std(unbiased);
    case R_VAR: return has_dims ? t.var(dims, unbiased, keepdim) : t.var(unbiased);
    case R_ARGMAX: return has_dims ? t.argmax(one_dim(), keepdim) : t.argmax();
    case R_ARGMIN: return has_dims ? t.argmin(one_dim(), keepdim) : t.argmin();
    case R_LOGSUMEXP: return t.logsumexp(dims, keepdim);
    case R_NORM: return has_dims ? at::norm(t, p, dims, keepdim) : at::norm(t, p);
    case R_ANY: return has_dims ? t.any(one_dim(), keepdim) : t.any();
    case R_ALL: return has_dims ? t.all(one_dim(), keepdim) : t.all();
    case R_MAX: return t.max();
    case R_MIN: return t.min();
    case R_SOFTMAX: return t.softmax(one_dim());
    case R_LOG_SOFTMAX: return t.log_softmax(one_dim());
    case R_CUMSUM: return t.cumsum(one_dim());
    case R_COUNT_NONZERO: return has_dims ? at::count_nonzero(t, dims) : at::count_nonzero(t);
    default: throw std::invalid_argument("unknown reduction " + std::to_string(op));
  }
}

enum Shape {
  S_RESHAPE = 0, S_VIEW, S_PERMUTE, S_TRANSPOSE, S_FLATTEN, S_SQUEEZE, S_UNSQUEEZE, S_NARROW, S_SLICE, S_SELECT,
  S_EXPAND, S_REPEAT, S_FLIP, S_ROLL
};

at::Tensor shape_op(int op, const at::Tensor& t, const int64_t* a, int n) {
  at::IntArrayRef args(a, n);
  auto need = [&](int count) {
    if (n != count) throw std::invalid_argument("shape op expects " + std::to_string(count) + " arguments");
  };
  switch (op) {
    case S_RESHAPE: return t.reshape(args);
    case S_VIEW: return t.view(args);
    case S_PERMUTE: return t.permute(args);
    case S_TRANSPOSE: need(2); return t.transpose(a[0], a[1]);
    case S_FLATTEN: need(2); return t.flatten(a[0], a[1]);
    case S_SQUEEZE: return n == 0 ? t.squeeze() : t.squeeze(a[0]);
    case S_UNSQUEEZE: need(1); return t.unsqueeze(a[0]);
    case S_NARROW: need(3); return t.narrow(a[0], a[1], a[2]);
    case S_SLICE: need(4); return t.slice(a[0], a[1], a[2], a[3]);
    case S_SELECT: need(2); return t.select(a[0], a[1]);
    case S_EXPAND: return t.expand(args);
    case S_REPEAT: return t.repeat(args);
    case S_FLIP: return t.flip(args);
    case S_ROLL: need(2); return t.roll(a[0], a[1]);
    default: throw std::invalid_argument("unknown shape op " + std::to_string(op));
  }
}
}  // namespace

RBP_API TensorH rbp_unary(int op, TensorH t) { GUARD(nullptr, { return rbp::wrap(unary(op, *t)); }) }

RBP_API int rbp_unary_(int op, TensorH t) {
  GUARD(-1, {
    unary_inplace(op, *t);
    return 0;
  })
}

RBP_API TensorH rbp_binary(int op, TensorH a, TensorH b, double alpha) {
  GUARD(nullptr, { return rbp::wrap(binary(op, *a, *b, alpha)); })
}

RBP_API TensorH rbp_binary_scalar(int op, TensorH a, double d, int64_t i, int kind) {
  GUARD(nullptr, { return rbp::wrap(binary_scalar(op, *a, rbp::scalar(d, i, kind))); })
}

RBP_API int rbp_binary_(int op, TensorH a, TensorH b, double alpha) {
  GUARD(-1, {
    binary_inplace(op, *a, *b, alpha);
    return 0;
  })
}

RBP_API int rbp_binary_scalar_(int op, TensorH a, double d, int64_t i, int kind) {
  GUARD(-1, {
    binary_scalar_inplace(op, *a, rbp::scalar(d, i, kind));
    return 0;
  })
}

RBP_API TensorH rbp_reduce(int op, TensorH t, const int64_t* dims, int ndims, int has_dims, int keepdim,
                           int unbiased, double p) {
  GUARD(nullptr, {
    return rbp::wrap(reduce(op, *t, at::IntArrayRef(dims, ndims), has_dims != 0, keepdim != 0, unbiased != 0, p));
  })
}

// max/min over one dimension: values and indices.
RBP_API int rbp_max_dim(int is_min, TensorH t, int64_t dim, int keepdim, TensorH* values, TensorH* indices) {
  GUARD(-1, {
    auto r = is_min ? t->min(dim, keepdim != 0) : t->max(dim, keepdim != 0);
    *values = rbp::wrap(std::get<0>(r));
    *indices = rbp::wrap(std::get<1>(r));
    return 0;
  })
}

RBP_API TensorH rbp_shape_op(int op, TensorH t, const int64_t* args, int nargs) {
  GUARD(nullptr, { return rbp::wrap(shape_op(op, *t, args, nargs)); })
}

// Splits into pieces: op 0 = chunk(arg, dim), 1 = split(arg size, dim), 2 = unbind(dim). Returns the count written.
RBP_API int rbp_split(int op, TensorH t, int64_t arg, int64_t dim, TensorH* out, int capacity) {
  GUARD(-1, {
    std::vector<at::Tensor> parts;
    switch (op) {
      case 0: parts = t->chunk(arg, dim); break;
      case 1: parts = t->split(arg, dim); break;
      case 2: parts = t->unbind(dim); break;
      default: throw std::invalid_argument("unknown split op");
    }
    if (static_cast<int>(parts.size()) > capacity) throw std::invalid_argument("too many pieces for the buffer");
    for (size_t i = 0; i < parts.size(); i++) out[i] = rbp::wrap(parts[i]);
    return static_cast<int>(parts.size());
  })
}

// op 0 = cat, 1 = stack.
RBP_API TensorH rbp_cat(int op, TensorH* ts, int n, int64_t dim) {
  GUARD(nullptr, {
    auto v = rbp::list(ts, n);
    return rbp::wrap(op == 0 ? at::cat(v, dim) : at::stack(v, dim));
  })
}

RBP_API TensorH rbp_where(TensorH cond, TensorH a, TensorH b) {
  GUARD(nullptr, { return rbp::wrap(at::where(*cond, *a, *b)); })
}

RBP_API TensorH rbp_clamp(TensorH t, int has_min, double min, int has_max, double max, int integral, int inplace) {
  GUARD(nullptr, {
    auto s = [&](double v) { return integral ? at::Scalar(static_cast<int64_t>(v)) : at::Scalar(v); };
    c10::optional<at::Scalar> lo = has_min ? c10::optional<at::Scalar>(s(min)) : c10::nullopt;
    c10::optional<at::Scalar> hi = has_max ? c10::optional<at::Scalar>(s(max)) : c10::nullopt;
    if (inplace) {
      t->clamp_(lo, hi);
      return new at::Tensor(*t);
    }
    return rbp::wrap(at::clamp(*t, lo, hi));
  })
}

// op 0 = index_select(dim, index), 1 = gather(dim, index), 2 = masked_select(mask), 3 = index with a long tensor
// on dim 0 (t[index]).
RBP_API TensorH rbp_index(int op, TensorH t, int64_t dim, TensorH index) {
  GUARD(nullptr, {
    switch (op) {
      case 0: return rbp::wrap(t->index_select(dim, *index));
      case 1: return rbp::wrap(t->gather(dim, *index));
      case 2: return rbp::wrap(t->masked_select(*index));
      case 3: return rbp::wrap(t->index({*index}));
      default: throw std::invalid_argument("unknown index op");
    }
  })
}

RBP_API TensorH rbp_masked_fill(TensorH t, TensorH mask, double value, int inplace) {
  GUARD(nullptr, {
    if (inplace) {
      t->masked_fill_(*mask, value);
      return new at::Tensor(*t);
    }
    return rbp::wrap(t->masked_fill(*mask, value));
  })
}

RBP_API TensorH rbp_one_hot(TensorH t, int64_t num_classes) {
  GUARD(nullptr, { return rbp::wrap(at::one_hot(*t, num_classes)); })
}

// 1 when shapes, dtypes and all elements are equal.
RBP_API int rbp_equal(TensorH a, TensorH b) { GUARD(-1, { return at::equal(*a, *b) ? 1 : 0; }) }

RBP_API int rbp_allclose(TensorH a, TensorH b, double rtol, double atol) {
  GUARD(-1, { return at::allclose(*a, *b, rtol, atol) ? 1 : 0; })
}
