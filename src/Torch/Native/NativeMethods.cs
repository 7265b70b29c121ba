using System.Runtime.InteropServices;

namespace RbpPipeline.Torch.Native;

/// <summary>
/// The shim's exports (native/*.cpp). Functions returning a handle return IntPtr.Zero on failure and those
/// returning int return a negative value; either way the message is fetched with <see cref="rbp_last_error"/>.
/// Flags cross as int (0/1) to keep the ABI free of bool-size questions.
/// </summary>
internal static unsafe partial class NativeMethods
{
    private const string Lib = "rbptorch";

    static NativeMethods()
    {
        // libtorch starts with one intra-op thread on these machines; default to all cores unless the launcher says
        // otherwise (RBP_TORCH_THREADS); torch.set_num_threads changes it later.
        var configured = Environment.GetEnvironmentVariable("RBP_TORCH_THREADS");
        var threads = int.TryParse(configured, out var n) && n > 0 ? n : Environment.ProcessorCount;
        rbp_set_num_threads(threads);
    }

    // runtime.cpp
    [LibraryImport(Lib)] internal static partial IntPtr rbp_last_error();
    [LibraryImport(Lib)] internal static partial void rbp_set_num_threads(int n);
    [LibraryImport(Lib)] internal static partial int rbp_get_num_threads();
    [LibraryImport(Lib)] internal static partial int rbp_manual_seed(ulong seed);
    [LibraryImport(Lib)] internal static partial int rbp_set_deterministic(int enabled, int warnOnly);
    [LibraryImport(Lib)] internal static partial int rbp_cuda_device_count();
    [LibraryImport(Lib)] internal static partial int rbp_cuda_is_built();
    [LibraryImport(Lib)] internal static partial int rbp_cuda_synchronize(int device);
    [LibraryImport(Lib)] internal static partial int rbp_grad_enabled();
    [LibraryImport(Lib)] internal static partial void rbp_set_grad_enabled(int enabled);
    [LibraryImport(Lib)] internal static partial IntPtr rbp_get_rng_state();
    [LibraryImport(Lib)] internal static partial int rbp_set_rng_state(TensorHandle state);
    [LibraryImport(Lib)] internal static partial IntPtr rbp_version();

    // tensor.cpp
    [LibraryImport(Lib)] internal static partial void rbp_tensor_free(IntPtr t);
    [LibraryImport(Lib)] internal static partial IntPtr rbp_tensor_alias(TensorHandle t);
    [LibraryImport(Lib)]
    internal static partial IntPtr rbp_tensor_from_data(void* data, long nbytes, long* shape, int ndim, int dtype,
        int deviceType, int deviceIndex, int requiresGrad);
    [LibraryImport(Lib)] internal static partial int rbp_tensor_copy_to(TensorHandle t, void* dst, long nbytes);
    [LibraryImport(Lib)]
    internal static partial IntPtr rbp_tensor_factory(int op, long* shape, int ndim, int dtype, int deviceType,
        int deviceIndex, int requiresGrad, double a, double b, double c);
    [LibraryImport(Lib)] internal static partial IntPtr rbp_tensor_like(int op, TensorHandle t, double value);
    [LibraryImport(Lib)] internal static partial int rbp_tensor_ndim(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int rbp_tensor_shape(TensorHandle t, long* shape, int capacity);
    [LibraryImport(Lib)] internal static partial int rbp_tensor_dtype(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int rbp_tensor_device(TensorHandle t, out int index);
    [LibraryImport(Lib)] internal static partial long rbp_tensor_numel(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int rbp_tensor_item(TensorHandle t, out double value);
    [LibraryImport(Lib)] internal static partial int rbp_tensor_item_long(TensorHandle t, out long value);
    [LibraryImport(Lib)]
    internal static partial IntPtr rbp_tensor_to(TensorHandle t, int dtype, int deviceType, int deviceIndex, int copy);
    [LibraryImport(Lib)] internal static partial int rbp_tensor_set_data(TensorHandle t, TensorHandle src);
    [LibraryImport(Lib)] internal static partial int rbp_tensor_requires_grad(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int rbp_tensor_set_requires_grad(TensorHandle t, int value);
    [LibraryImport(Lib)] internal static partial int rbp_tensor_is_leaf(TensorHandle t);
    [LibraryImport(Lib)] internal static partial IntPtr rbp_tensor_grad(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int rbp_tensor_set_grad(TensorHandle t, TensorHandle grad);
    [LibraryImport(Lib)] internal static partial int rbp_tensor_zero_grad(TensorHandle t);
    [LibraryImport(Lib)]
    internal static partial int rbp_tensor_backward(TensorHandle t, TensorHandle grad, int retainGraph, int createGraph);
    [LibraryImport(Lib)] internal static partial int rbp_tensor_to_string(TensorHandle t, byte* buffer, int capacity);

    // tensor_ops.cpp
    [LibraryImport(Lib)] internal static partial IntPtr rbp_unary(int op, TensorHandle t);
    [LibraryImport(Lib)] internal static partial int rbp_unary_(int op, TensorHandle t);
    [LibraryImport(Lib)] internal static partial IntPtr rbp_binary(int op, TensorHandle a, TensorHandle b, double alpha);
    [LibraryImport(Lib)]
    internal static partial IntPtr rbp_binary_scalar(int op, TensorHandle a, double d, long i, int kind);
    [LibraryImport(Lib)] internal static partial int rbp_binary_(int op, TensorHandle a, TensorHandle b, double alpha);
    [LibraryImport(Lib)]
    internal static partial int rbp_binary_scalar_(int op, TensorHandle a, double d, long i, int kind);
    [LibraryImport(Lib)]
    internal static partial IntPtr rbp_reduce(int op, TensorHandle t, long* dims, int ndims, int hasDims, int keepdim,
        int unbiased, double p);
    [LibraryImport(Lib)]
    internal static partial int rbp_max_dim(int isMin, TensorHandle t, long dim, int keepdim, out IntPtr values,
        out IntPtr indices);
    [LibraryImport(Lib)] internal static partial IntPtr rbp_shape_op(int op, TensorHandle t, long* args, int nargs);
    [LibraryImport(Lib)]
    internal static partial int rbp_split(int op, TensorHandle t, long arg, long dim, IntPtr* outs, int capacity);
    [LibraryImport(Lib)] internal static partial IntPtr rbp_cat(int op, IntPtr* tensors, int n, long dim);
    [LibraryImport(Lib)] internal static partial IntPtr rbp_where(TensorHandle cond, TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)]
    internal static partial IntPtr rbp_clamp(TensorHandle t, int hasMin, double min, int hasMax, double max,
        int integral, int inplace);
    [LibraryImport(Lib)] internal static partial IntPtr rbp_index(int op, TensorHandle t, long dim, TensorHandle index);
    [LibraryImport(Lib)]
    internal static partial IntPtr rbp_masked_fill(TensorHandle t, TensorHandle mask, double value, int inplace);
    [LibraryImport(Lib)] internal static partial IntPtr rbp_one_hot(TensorHandle t, long numClasses);
    [LibraryImport(Lib)] internal static partial int rbp_equal(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial int rbp_allclose(TensorHandle a, TensorHandle b, double rtol, double atol);

    // nn.cpp
    [LibraryImport(Lib)]
    internal static partial IntPtr rbp_conv(TensorHandle input, TensorHandle weight, TensorHandle bias, long* stride,
        long* padding, long* dilation, int nspatial, int paddingMode, long groups);
    [LibraryImport(Lib)]
    internal static partial IntPtr rbp_batch_norm(TensorHandle input, TensorHandle weight, TensorHandle bias,
        TensorHandle runningMean, TensorHandle runningVar, TensorHandle numBatchesTracked, int training,
        double momentum, double eps);
    [LibraryImport(Lib)]
    internal static partial IntPtr rbp_linear(TensorHandle input, TensorHandle weight, TensorHandle bias);
    [LibraryImport(Lib)] internal static partial IntPtr rbp_dropout(TensorHandle input, double p, int train, int inplace);
    [LibraryImport(Lib)]
    internal static partial IntPtr rbp_pool(int op, TensorHandle input, long* kernel, long* stride, int nstride,
        long* padding, long* dilation, int nspatial, int ceilMode, int countIncludePad);
    [LibraryImport(Lib)]
    internal static partial int rbp_rnn(int mode, TensorHandle input, TensorHandle h0, TensorHandle c0, IntPtr* parameters,
        int nparams, int hasBiases, long numLayers, long hiddenSize, double dropout, int train, int bidirectional,
        int batchFirst, out IntPtr output, out IntPtr hn, out IntPtr cn);
    [LibraryImport(Lib)]
    internal static partial IntPtr rbp_loss(int op, TensorHandle input, TensorHandle target, TensorHandle weight,
        TensorHandle posWeight, int reduction, long ignoreIndex, double labelSmoothing);
    [LibraryImport(Lib)] internal static partial int rbp_random_(int op, TensorHandle t, double a, double b);
    [LibraryImport(Lib)] internal static partial IntPtr rbp_pad(TensorHandle t, long* pad, int npad, double value);
    [LibraryImport(Lib)]
    internal static partial int rbp_clip_grad_norm(IntPtr* parameters, int n, double maxNorm, double normType,
        out double total);

    // optim.cpp
    [LibraryImport(Lib)]
    internal static partial int rbp_adam_step(IntPtr* parameters, IntPtr* expAvgs, IntPtr* expAvgSqs,
        IntPtr* maxExpAvgSqs, long* steps, int n, double lr, double beta1, double beta2, double eps,
        double weightDecay, int amsgrad, int maximize);
    [LibraryImport(Lib)]
    internal static partial int rbp_rmsprop_step(IntPtr* parameters, IntPtr* squareAvgs, IntPtr* gradAvgs,
        IntPtr* momentumBuffers, long* steps, int n, double lr, double alpha, double eps, double weightDecay,
        double momentum, int centered, int maximize);
    [LibraryImport(Lib)]
    internal static partial int rbp_sgd_step(IntPtr* parameters, IntPtr* momentumBuffers, long* steps, int n,
        double lr, double momentum, double dampening, double weightDecay, int nesterov, int maximize);
}
