// Neural-network functionals (layers, losses, initialisation helpers, gradient clipping). Modules live in C#;
// each forward step of a layer is one call here.
#include "rbp.h"

#include <ATen/core/grad_mode.h>
#include <cmath>
#include <limits>

// padding_mode: 0 = explicit (padding array), 1 = "valid", 2 = "same".
RBP_API TensorH rbp_conv(TensorH input, TensorH weight, TensorH bias, const int64_t* stride, const int64_t* padding,
                         const int64_t* dilation, int nspatial, int padding_mode, int64_t groups) {
  GUARD(nullptr, {
    at::IntArrayRef s(stride, nspatial), p(padding, nspatial), d(dilation, nspatial);
    auto b = rbp::opt(bias);
    if (padding_mode != 0) {
      c10::string_view mode = padding_mode == 1 ? "valid" : "same";
      return rbp::wrap(nspatial == 1 ? at::conv1d(*input, *weight, b, s, mode, d, groups)
                                     : at::conv2d(*input, *weight, b, s, mode, d, groups));
    }
    return rbp::wrap(nspatial == 1 ? at::conv1d(*input, *weight, b, s, p, d, groups)
                                   : at::conv2d(*input, *weight, b, s, p, d, groups));
  })
}

// As torch.nn.BatchNorm*d.forward: in training with tracked statistics, num_batches_tracked is incremented and
// momentum < 0 (PyTorch's momentum=None) selects the cumulative moving average 1/num_batches_tracked.
RBP_API TensorH rbp_batch_norm(TensorH input, TensorH weight, TensorH bias, TensorH running_mean,
                               TensorH running_var, TensorH num_batches_tracked, int training, double momentum,
                               double eps) {
  GUARD(nullptr, {
    double factor = momentum < 0 ? 0.0 : momentum;
    if (training && num_batches_tracked) {
      {
        at::NoGradGuard no_grad;
        num_batches_tracked->add_(1);
      }
      if (momentum < 0) factor = 1.0 / num_batches_tracked->item<double>();
    }
    bool use_batch_stats = training || (!running_mean && !running_var);
    return rbp::wrap(at::batch_norm(*input, rbp::opt(weight), rbp::opt(bias), rbp::opt(running_mean),
                                    rbp::opt(running_var), use_batch_stats, factor, eps,
                                    at::globalContext().userEnabledCuDNN()));
  })
}

RBP_API TensorH rbp_linear(TensorH input, TensorH weight, TensorH bias) {
  GUARD(nullptr, { return rbp::wrap(at::linear(*input, *weight, rbp::opt(bias))); })
}

RBP_API TensorH rbp_dropout(TensorH input, double p, int train, int inplace) {
  GUARD(nullptr, {
    if (inplace) {
      at::dropout_(*input, p, train != 0);
      return new at::Tensor(*input);
    }
    return rbp::wrap(at::dropout(*input, p, train != 0));
  })
}

enum Pool { P_MAX1D = 0, P_MAX2D, P_AVG1D, P_AVG2D, P_ADAPTIVE_AVG1D, P_ADAPTIVE_MAX1D };

// stride of length 0 means "same as the kernel", as in PyTorch.
RBP_API TensorH rbp_pool(int op, TensorH input, const int64_t* kernel, const int64_t* stride, int nstride,
                         const int64_t* padding, const int64_t* dilation, int nspatial, int ceil_mode,
                         int count_include_pad) {
  GUARD(nullptr, {
    at::IntArrayRef k(kernel, nspatial), s(stride, nstride), p(padding, nspatial), d(dilation, nspatial);
    switch (op) {
      case P_MAX1D: return rbp::wrap(at::max_pool1d(*input, k, s, p, d, ceil_mode != 0));
      case P_MAX2D: return rbp::wrap(at::max_pool2d(*input, k, s, p, d, ceil_mode != 0));
      case P_AVG1D: return rbp::wrap(at::avg_pool1d(*input, k, s, p, ceil_mode != 0, count_include_pad != 0));
      case P_AVG2D: return rbp::wrap(at::avg_pool2d(*input, k, s, p, ceil_mode != 0, count_include_pad != 0));
      case P_ADAPTIVE_AVG1D: return rbp::wrap(at::adaptive_avg_pool1d(*input, k));
      case P_ADAPTIVE_MAX1D: return rbp::wrap(std::get<0>(at::adaptive_max_pool1d(*input, k)));
      default: throw std::invalid_argument("unknown pooling op " + std::to_string(op));
    }
  })
}

// mode 0 = LSTM (h0 and c0 both given or both null), 1 = GRU (c0 ignored, cn_out untouched).
// params: per layer, per direction: w_ih, w_hh[, b_ih, b_hh], PyTorch's flat-weights order.
RBP_API int rbp_rnn(int mode, TensorH input, TensorH h0, TensorH c0, TensorH* params, int nparams, int has_biases,
                    int64_t num_layers, int64_t hidden_size, double dropout, int train, int bidirectional,
                    int batch_first, TensorH* output, TensorH* hn, TensorH* cn) {
  GUARD(-1, {
    auto ps = rbp::list(params, nparams);
    auto& x = *input;
    if (x.dim() != 3)
      throw std::invalid_argument("RNN input must be 3-D (batch, seq, features with batch_first), got shape " +
                                  c10::str(x.sizes()));
    int64_t batch = batch_first ? x.size(0) : x.size(1);
    auto zeros = [&]() {
      return at::zeros({num_layers * (bidirectional ? 2 : 1), batch, hidden_size}, x.options());
    };
    if (mode == 0) {
      at::Tensor h = h0 ? *h0 : zeros(), c = c0 ? *c0 : zeros();
      auto r = at::lstm(x, {h, c}, ps, has_biases != 0, num_layers, dropout, train != 0, bidirectional != 0,
                        batch_first != 0);
      *output = rbp::wrap(std::get<0>(r));
      *hn = rbp::wrap(std::get<1>(r));
      *cn = rbp::wrap(std::get<2>(r));
    } else {
      auto r = at::gru(x, h0 ? *h0 : zeros(), ps, has_biases != 0, num_layers, dropout, train != 0,
                       bidirectional != 0, batch_first != 0);
      *output = rbp::wrap(std::get<0>(r));
      *hn = rbp::wrap(std::get<1>(r));
    }
    return 0;
  })
}

enum Loss { LOSS_MSE = 0, LOSS_L1, LOSS_BCE_WITH_LOGITS, LOSS_CROSS_ENTROPY, LOSS_NLL, LOSS_BCE, LOSS_SMOOTH_L1 };

// reduction: 0 = none, 1 = mean, 2 = sum (at::Reduction's numbering).
RBP_API TensorH rbp_loss(int op, TensorH input, TensorH target, TensorH weight, TensorH pos_weight, int reduction,
                         int64_t ignore_index, double label_smoothing) {
  GUARD(nullptr, {
    switch (op) {
      case LOSS_MSE: return rbp::wrap(at::mse_loss(*input, *target, reduction));
      case LOSS_L1: return rbp::wrap(at::l1_loss(*input, *target, reduction));
      case LOSS_BCE_WITH_LOGITS:
        return rbp::wrap(at::binary_cross_entropy_with_logits(*input, *target, rbp::opt(weight),
                                                              rbp::opt(pos_weight), reduction));
      case LOSS_CROSS_ENTROPY:
        return rbp::wrap(at::cross_entropy_loss(*input, *target, rbp::opt(weight), reduction, ignore_index,
                                                label_smoothing));
      case LOSS_NLL: return rbp::wrap(at::nll_loss_nd(*input, *target, rbp::opt(weight), reduction, ignore_index));
      case LOSS_BCE: return rbp::wrap(at::binary_cross_entropy(*input, *target, rbp::opt(weight), reduction));
      case LOSS_SMOOTH_L1: return rbp::wrap(at::smooth_l1_loss(*input, *target, reduction, 1.0));
      default: throw std::invalid_argument("unknown loss " + std::to_string(op));
    }
  })
}

// In-place random fills without recording autograd history (as torch.nn.init does): 0 = uniform_(a, b),
// 1 = normal_(a = mean, b = std), 2 = bernoulli_(a = p).
RBP_API int rbp_random_(int op, TensorH t, double a, double b) {
  GUARD(-1, {
    at::NoGradGuard no_grad;
    switch (op) {
      case 0: t->uniform_(a, b); break;
      case 1: t->normal_(a, b); break;
      case 2: t->bernoulli_(a); break;
      default: throw std::invalid_argument("unknown random op");
    }
    return 0;
  })
}

RBP_API TensorH rbp_pad(TensorH t, const int64_t* pad, int npad, double value) {
  GUARD(nullptr, { return rbp::wrap(at::constant_pad_nd(*t, at::IntArrayRef(pad, npad), value)); })
}

// torch.nn.utils.clip_grad_norm_ of PyTorch 1.13, step for step (so clipped gradients match bit for bit).
// Writes the total norm (before clipping) to *total.
RBP_API int rbp_clip_grad_norm(TensorH* params, int n, double max_norm, double norm_type, double* total) {
  GUARD(-1, {
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> grads;
    for (int i = 0; i < n; i++)
      if (params[i]->grad().defined()) grads.push_back(params[i]->grad());
    if (grads.empty()) {
      *total = 0.0;
      return 0;
    }
    auto device = grads[0].device();
    at::Tensor total_norm;
    if (std::isinf(norm_type)) {
      std::vector<at::Tensor> norms;
      for (auto& g : grads) norms.push_back(g.detach().abs().max().to(device));
      total_norm = norms.size() == 1 ? norms[0] : at::stack(norms).max();
    } else {
      std::vector<at::Tensor> norms;
      for (auto& g : grads) norms.push_back(at::norm(g.detach(), norm_type).to(device));
      total_norm = at::norm(at::stack(norms), norm_type);
    }
    auto clip_coef = max_norm / (total_norm + 1e-6);
    auto clamped = at::clamp(clip_coef, c10::nullopt, 1.0);
    for (auto& g : grads) g.detach().mul_(clamped.to(g.device()));
    *total = total_norm.item<double>();
    return 0;
  })
}
