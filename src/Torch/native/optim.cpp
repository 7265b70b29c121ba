// Optimiser steps, one call per step for all parameters. The update rules repeat PyTorch 1.13's
// _single_tensor_adam / _single_tensor_rmsprop / _single_tensor_sgd operation for operation, so that C# and Python
// training agree. State tensors are owned by C# (they are saved and restored as named tensors); steps[i] is the
// per-parameter step count, incremented here for every parameter that has a gradient (others are skipped, as in
// PyTorch).
#include "rbp.h"

#include <ATen/core/grad_mode.h>
#include <cmath>

RBP_API int rbp_adam_step(TensorH* params, TensorH* exp_avgs, TensorH* exp_avg_sqs, TensorH* max_exp_avg_sqs,
                          int64_t* steps, int n, double lr, double beta1, double beta2, double eps,
                          double weight_decay, int amsgrad, int maximize) {
  GUARD(-1, {
    at::NoGradGuard no_grad;
    for (int i = 0; i < n; i++) {
      auto& param = *params[i];
      if (!param.grad().defined()) continue;
      auto grad = maximize ? param.grad().neg() : param.grad();
      auto& exp_avg = *exp_avgs[i];
      auto& exp_avg_sq = *exp_avg_sqs[i];
      double step = static_cast<double>(++steps[i]);
      if (weight_decay != 0) grad = grad.add(param, weight_decay);
      exp_avg.mul_(beta1).add_(grad, 1 - beta1);
      exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
      double bias_correction1 = 1 - std::pow(beta1, step);
      double bias_correction2 = 1 - std::pow(beta2, step);
      double step_size = lr / bias_correction1;
      double bias_correction2_sqrt = std::sqrt(bias_correction2);
      at::Tensor denom;
      if (amsgrad) {
        auto& max_sq = *max_exp_avg_sqs[i];
        at::maximum_out(max_sq, max_sq, exp_avg_sq);
        denom = (max_sq.sqrt() / bias_correction2_sqrt).add_(eps);
      } else {
        denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps);
      }
      param.addcdiv_(exp_avg, denom, -step_size);
    }
    return 0;
  })
}

// square_avgs always; grad_avgs only when centered; momentum_buffers only when momentum > 0 (else may be null).
RBP_API int rbp_rmsprop_step(TensorH* params, TensorH* square_avgs, TensorH* grad_avgs, TensorH* momentum_buffers,
                             int64_t* steps, int n, double lr, double alpha, double eps, double weight_decay,
                             double momentum, int centered, int maximize) {
  GUARD(-1, {
    at::NoGradGuard no_grad;
    for (int i = 0; i < n; i++) {
      auto& param = *params[i];
      if (!param.grad().defined()) continue;
      auto grad = maximize ? param.grad().neg() : param.grad();
      steps[i]++;
      auto& square_avg = *square_avgs[i];
      if (weight_decay != 0) grad = grad.add(param, weight_decay);
      square_avg.mul_(alpha).addcmul_(grad, grad, 1 - alpha);
      at::Tensor avg;
      if (centered) {
        auto& grad_avg = *grad_avgs[i];
        grad_avg.mul_(alpha).add_(grad, 1 - alpha);
        avg = square_avg.addcmul(grad_avg, grad_avg, -1).sqrt_();
      } else {
        avg = square_avg.sqrt();
      }
      avg = avg.add_(eps);
      if (momentum > 0) {
        auto& buf = *momentum_buffers[i];
        buf.mul_(momentum).addcdiv_(grad, avg);
        param.add_(buf, -lr);
      } else {
        param.addcdiv_(grad, avg, -lr);
      }
    }
    return 0;
  })
}

// momentum_buffers only when momentum != 0. PyTorch creates the buffer as a copy of the first gradient; here the
// buffer exists from the start and steps[i] == 0 marks that first step.
RBP_API int rbp_sgd_step(TensorH* params, TensorH* momentum_buffers, int64_t* steps, int n, double lr,
                         double momentum, double dampening, double weight_decay, int nesterov, int maximize) {
  GUARD(-1, {
    at::NoGradGuard no_grad;
    for (int i = 0; i < n; i++) {
      auto& param = *params[i];
      if (!param.grad().defined()) continue;
      auto d_p = maximize ? param.grad().neg() : param.grad();
      if (weight_decay != 0) d_p = d_p.add(param, weight_decay);
      if (momentum != 0) {
        auto& buf = *momentum_buffers[i];
        if (steps[i] == 0) buf.copy_(d_p);
        else buf.mul_(momentum).add_(d_p, 1 - dampening);
        d_p = nesterov ? d_p.add(buf, momentum) : buf;
      }
      steps[i]++;
      param.add_(d_p, -lr);
    }
    return 0;
  })
}
