using RbpPipeline.Torch.Modules;

namespace RbpPipeline.Torch;

public static partial class torch
{
    /// <summary>Layer factories with TorchSharp's names and argument order.</summary>
    public static partial class nn
    {
        public static Conv1d Conv1d(long in_channels, long out_channels, long kernelSize, long stride = 1, long padding = 0,
            long dilation = 1, long groups = 1, bool bias = true) =>
            new(in_channels, out_channels, kernelSize, stride, padding, dilation, null, groups, bias);

        public static Conv1d Conv1d(long in_channels, long out_channels, long kernelSize, Padding padding, long stride = 1,
            long dilation = 1, long groups = 1, bool bias = true) =>
            new(in_channels, out_channels, kernelSize, stride, 0, dilation, padding, groups, bias);

        public static Conv2d Conv2d(long in_channels, long out_channels, long kernelSize, long stride = 1, long padding = 0,
            long dilation = 1, long groups = 1, bool bias = true) =>
            new(in_channels, out_channels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (dilation, dilation), null, groups, bias);

        public static Conv2d Conv2d(long in_channels, long out_channels, (long, long) kernelSize, (long, long)? stride = null,
            (long, long)? padding = null, (long, long)? dilation = null, long groups = 1, bool bias = true) =>
            new(in_channels, out_channels, kernelSize, stride ?? (1, 1), padding ?? (0, 0), dilation ?? (1, 1), null, groups, bias);

        public static Conv2d Conv2d(long in_channels, long out_channels, (long, long) kernelSize, Padding padding,
            (long, long)? stride = null, (long, long)? dilation = null, long groups = 1, bool bias = true) =>
            new(in_channels, out_channels, kernelSize, stride ?? (1, 1), (0, 0), dilation ?? (1, 1), padding, groups, bias);

        public static BatchNorm1d BatchNorm1d(long num_features, double eps = 1e-5, double? momentum = 0.1, bool affine = true,
            bool track_running_stats = true) =>
            new(num_features, eps, momentum, affine, track_running_stats);

        public static BatchNorm2d BatchNorm2d(long num_features, double eps = 1e-5, double? momentum = 0.1, bool affine = true,
            bool track_running_stats = true) =>
            new(num_features, eps, momentum, affine, track_running_stats);

        public static Linear Linear(long inputSize, long outputSize, bool hasBias = true) => new(inputSize, outputSize, hasBias);

        public static Dropout Dropout(double p = 0.5, bool inplace = false) => new(p, inplace);

        public static ReLU ReLU(bool inplace = false) => new(inplace);

        public static Sigmoid Sigmoid() => new();

        public static Tanh Tanh() => new();

        public static Softmax Softmax(long dim) => new(dim);

        public static Identity Identity() => new();

        public static Flatten Flatten(long start_dim = 1, long end_dim = -1) => new(start_dim, end_dim);

        public static MaxPool1d MaxPool1d(long kernelSize, long? stride = null, long padding = 0, long dilation = 1,
            bool ceil_mode = false) => new(kernelSize, stride, padding, dilation, ceil_mode);

        public static MaxPool2d MaxPool2d(long kernelSize, long? stride = null, long padding = 0, long dilation = 1,
            bool ceil_mode = false) =>
            new([kernelSize, kernelSize], [stride ?? kernelSize, stride ?? kernelSize], [padding, padding], [dilation, dilation], ceil_mode);

        public static MaxPool2d MaxPool2d((long, long) kernelSize, (long, long)? stride = null, (long, long)? padding = null,
            (long, long)? dilation = null, bool ceil_mode = false)
        {
            var s = stride ?? kernelSize;
            var p = padding ?? (0, 0);
            var d = dilation ?? (1, 1);
            return new([kernelSize.Item1, kernelSize.Item2], [s.Item1, s.Item2], [p.Item1, p.Item2], [d.Item1, d.Item2], ceil_mode);
        }

        public static AvgPool1d AvgPool1d(long kernel_size, long? stride = null, long padding = 0, bool ceil_mode = false,
            bool count_include_pad = true) => new(kernel_size, stride, padding, ceil_mode, count_include_pad);

        /// <summary>LSTM; input (N, L, features) with batchFirst, else (L, N, features).</summary>
        public static LSTM LSTM(long inputSize, long hiddenSize, long numLayers = 1, bool bias = true, bool batchFirst = false,
            double dropout = 0.0, bool bidirectional = false) =>
            new(inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional);

        public static GRU GRU(long inputSize, long hiddenSize, long numLayers = 1, bool bias = true, bool batchFirst = false,
            double dropout = 0.0, bool bidirectional = false) =>
            new(inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional);

        public static Sequential Sequential(params Module<Tensor, Tensor>[] modules) =>
            new(modules.Select((m, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), m)));

        public static Sequential Sequential(params (string name, Module<Tensor, Tensor> module)[] modules) => new(modules);

        public static MSELoss MSELoss(Reduction reduction = Reduction.Mean) => new(reduction);

        public static L1Loss L1Loss(Reduction reduction = Reduction.Mean) => new(reduction);

        public static BCEWithLogitsLoss BCEWithLogitsLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean,
            Tensor? pos_weight = null) => new(weight, reduction, pos_weight);

        public static CrossEntropyLoss CrossEntropyLoss(Tensor? weight = null, long ignore_index = -100,
            Reduction reduction = Reduction.Mean, double label_smoothing = 0) =>
            new(weight, ignore_index, reduction, label_smoothing);
    }
}
