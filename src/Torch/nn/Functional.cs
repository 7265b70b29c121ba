using RbpPipeline.Torch.Native;

namespace RbpPipeline.Torch;

/// <summary>Fixed padding choices of convolutions (TorchSharp's <c>Padding</c>): no padding, or output length = input length.</summary>
public enum Padding
{
    Valid,
    Same,
}

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>How a loss reduces over elements; numbered as at::Reduction.</summary>
        public enum Reduction
        {
            None = 0,
            Mean = 1,
            Sum = 2,
        }

        public static class functional
        {
            private static TensorHandle Opt(Tensor? t) => t?.Handle ?? TensorHandle.Null;

            // ---- convolution ---------------------------------------------------------------------------

            internal static unsafe Tensor Conv(Tensor input, Tensor weight, Tensor? bias, ReadOnlySpan<long> stride,
                ReadOnlySpan<long> padding, ReadOnlySpan<long> dilation, Padding? mode, long groups)
            {
                fixed (long* s = stride)
                fixed (long* p = padding)
                fixed (long* d = dilation)
                    return Tensor.Wrap(NativeMethods.rbp_conv(input.Handle, weight.Handle, Opt(bias), s, p, d, stride.Length,
                        mode switch { null => 0, Padding.Valid => 1, _ => 2 }, groups));
            }

            /// <summary>1-D convolution of (N, C, L) input with a (out, C/groups, k) weight.</summary>
            public static Tensor conv1d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1,
                long padding = 0, long dilation = 1, long groups = 1) =>
                Conv(input, weight, bias, [stride], [padding], [dilation], null, groups);

            public static Tensor conv1d(Tensor input, Tensor weight, Tensor? bias, Padding padding, long stride = 1,
                long dilation = 1, long groups = 1) =>
                Conv(input, weight, bias, [stride], [0], [dilation], padding, groups);

            public static Tensor conv2d(Tensor input, Tensor weight, Tensor? bias = null, long[]? strides = null,
                long[]? padding = null, long[]? dilation = null, long groups = 1) =>
                Conv(input, weight, bias, strides ?? [1, 1], padding ?? [0, 0], dilation ?? [1, 1], null, groups);

            public static Tensor conv2d(Tensor input, Tensor weight, Tensor? bias, Padding padding,
                long[]? strides = null, long[]? dilation = null, long groups = 1) =>
                Conv(input, weight, bias, strides ?? [1, 1], [0, 0], dilation ?? [1, 1], padding, groups);

            // ---- normalisation, linear, dropout ------------------------------------------------------

            /// <summary>
            /// Batch normalisation; in training, running statistics (when given) are updated in place with
            /// <paramref name="momentum"/>.
            /// </summary>
            public static Tensor batch_norm(Tensor input, Tensor? running_mean, Tensor? running_var,
                Tensor? weight = null, Tensor? bias = null, bool training = false, double momentum = 0.1,
                double eps = 1e-5) =>
                Tensor.Wrap(NativeMethods.rbp_batch_norm(input.Handle, Opt(weight), Opt(bias), Opt(running_mean),
                    Opt(running_var), TensorHandle.Null, training ? 1 : 0, momentum, eps));

            internal static Tensor BatchNormTracked(Tensor input, Tensor? weight, Tensor? bias, Tensor? runningMean,
                Tensor? runningVar, Tensor? numBatchesTracked, bool training, double? momentum, double eps) =>
                Tensor.Wrap(NativeMethods.rbp_batch_norm(input.Handle, Opt(weight), Opt(bias), Opt(runningMean),
                    Opt(runningVar), Opt(numBatchesTracked), training ? 1 : 0, momentum ?? -1, eps));

            public static Tensor linear(Tensor input, Tensor weight, Tensor? bias = null) =>
                Tensor.Wrap(NativeMethods.rbp_linear(input.Handle, weight.Handle, Opt(bias)));

            public static Tensor dropout(Tensor input, double p = 0.5, bool training = true, bool inplace = false)
            {
                if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), $"dropout probability has to be between 0 and 1, but got {p}");
                var h = Interop.Check(NativeMethods.rbp_dropout(input.Handle, p, training ? 1 : 0, inplace ? 1 : 0));
                if (!inplace) return new Tensor(h);
                NativeMethods.rbp_tensor_free(h);
                return input;
            }

            // ---- activations ---------------------------------------------------------------------------

            public static Tensor relu(Tensor x, bool inplace = false) => inplace ? x.relu_() : x.relu();
            public static Tensor sigmoid(Tensor x) => x.sigmoid();
            public static Tensor tanh(Tensor x) => x.tanh();
            public static Tensor softmax(Tensor x, long dim) => x.softmax(dim);
            public static Tensor log_softmax(Tensor x, long dim) => x.log_softmax(dim);
            public static Tensor leaky_relu(Tensor x) => Tensor.Wrap(NativeMethods.rbp_unary((int)UnaryOp.LeakyRelu, x.Handle));
            public static Tensor elu(Tensor x) => Tensor.Wrap(NativeMethods.rbp_unary((int)UnaryOp.Elu, x.Handle));
            public static Tensor gelu(Tensor x) => Tensor.Wrap(NativeMethods.rbp_unary((int)UnaryOp.Gelu, x.Handle));
            public static Tensor silu(Tensor x) => Tensor.Wrap(NativeMethods.rbp_unary((int)UnaryOp.Silu, x.Handle));
            public static Tensor softplus(Tensor x) => Tensor.Wrap(NativeMethods.rbp_unary((int)UnaryOp.Softplus, x.Handle));
            public static Tensor logsigmoid(Tensor x) => Tensor.Wrap(NativeMethods.rbp_unary((int)UnaryOp.LogSigmoid, x.Handle));

            // ---- pooling -------------------------------------------------------------------------------

            internal static unsafe Tensor Pool(PoolOp op, Tensor input, ReadOnlySpan<long> kernel, ReadOnlySpan<long> stride,
                ReadOnlySpan<long> padding, ReadOnlySpan<long> dilation, bool ceilMode, bool countIncludePad)
            {
                fixed (long* k = kernel)
                fixed (long* s = stride)
                fixed (long* p = padding)
                fixed (long* d = dilation)
                    return Tensor.Wrap(NativeMethods.rbp_pool((int)op, input.Handle, k, s, stride.Length, p, d, kernel.Length,
                        ceilMode ? 1 : 0, countIncludePad ? 1 : 0));
            }

            public static Tensor max_pool1d(Tensor input, long kernelSize, long? stride = null, long padding = 0,
                long dilation = 1, bool ceil_mode = false) =>
                Pool(PoolOp.MaxPool1d, input, [kernelSize], stride is { } s ? [s] : [], [padding], [dilation], ceil_mode, true);

            public static Tensor max_pool2d(Tensor input, long[] kernelSize, long[]? strides = null,
                long[]? padding = null, long[]? dilation = null, bool ceil_mode = false) =>
                Pool(PoolOp.MaxPool2d, input, kernelSize, strides ?? [], padding ?? [0, 0], dilation ?? [1, 1], ceil_mode, true);

            public static Tensor avg_pool1d(Tensor input, long kernelSize, long? stride = null, long padding = 0,
                bool ceil_mode = false, bool count_include_pad = true) =>
                Pool(PoolOp.AvgPool1d, input, [kernelSize], stride is { } s ? [s] : [], [padding], [1], ceil_mode, count_include_pad);

            public static Tensor avg_pool2d(Tensor input, long[] kernelSize, long[]? strides = null,
                long[]? padding = null, bool ceil_mode = false, bool count_include_pad = true) =>
                Pool(PoolOp.AvgPool2d, input, kernelSize, strides ?? [], padding ?? [0, 0], [1, 1], ceil_mode, count_include_pad);

            public static Tensor adaptive_avg_pool1d(Tensor input, long outputSize) =>
                Pool(PoolOp.AdaptiveAvgPool1d, input, [outputSize], [], [0], [1], false, true);

            public static Tensor adaptive_max_pool1d(Tensor input, long outputSize) =>
                Pool(PoolOp.AdaptiveMaxPool1d, input, [outputSize], [], [0], [1], false, true);

            // ---- losses --------------------------------------------------------------------------------

            private static Tensor Loss(LossOp op, Tensor input, Tensor target, Tensor? weight, Tensor? posWeight,
                Reduction reduction, long ignoreIndex = -100, double labelSmoothing = 0) =>
                Tensor.Wrap(NativeMethods.rbp_loss((int)op, input.Handle, target.Handle, Opt(weight), Opt(posWeight),
                    (int)reduction, ignoreIndex, labelSmoothing));

            public static Tensor mse_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
                Loss(LossOp.Mse, input, target, null, null, reduction);

            public static Tensor l1_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
                Loss(LossOp.L1, input, target, null, null, reduction);

            public static Tensor smooth_l1_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
                Loss(LossOp.SmoothL1, input, target, null, null, reduction);

            /// <summary>
            /// Sigmoid + binary cross-entropy in one numerically stable op. <paramref name="weight"/> rescales each
            /// element (broadcast: per sample as (N, 1), per class as (C)); <paramref name="pos_weight"/> (C)
            /// weighs the positive term of each class.
            /// </summary>
            public static Tensor binary_cross_entropy_with_logits(Tensor input, Tensor target, Tensor? weight = null,
                Reduction reduction = Reduction.Mean, Tensor? pos_weight = null) =>
                Loss(LossOp.BceWithLogits, input, target, weight, pos_weight, reduction);

            public static Tensor binary_cross_entropy(Tensor input, Tensor target, Tensor? weight = null,
                Reduction reduction = Reduction.Mean) =>
                Loss(LossOp.Bce, input, target, weight, null, reduction);

            /// <summary>Cross entropy of logits (N, C[, ...]) against class indices (int64) or probabilities.</summary>
            public static Tensor cross_entropy(Tensor input, Tensor target, Tensor? weight = null,
                long ignore_index = -100, Reduction reduction = Reduction.Mean, double label_smoothing = 0) =>
                Loss(LossOp.CrossEntropy, input, target, weight, null, reduction, ignore_index, label_smoothing);

            public static Tensor nll_loss(Tensor input, Tensor target, Tensor? weight = null,
                long ignore_index = -100, Reduction reduction = Reduction.Mean) =>
                Loss(LossOp.Nll, input, target, weight, null, reduction, ignore_index);

            // ---- other -----------------------------------------------------------------------------------

            /// <summary>Constant padding; <paramref name="pad"/> lists (left, right) pairs from the last dimension back.</summary>
            public static unsafe Tensor pad(Tensor input, long[] pad, double value = 0)
            {
                fixed (long* p = pad) return Tensor.Wrap(NativeMethods.rbp_pad(input.Handle, p, pad.Length, value));
            }

            public static Tensor one_hot(Tensor x, long num_classes = -1) =>
                Tensor.Wrap(NativeMethods.rbp_one_hot(x.Handle, num_classes));
        }
    }
}
