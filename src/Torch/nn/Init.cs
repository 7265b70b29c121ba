using RbpPipeline.Torch.Native;

namespace RbpPipeline.Torch;

public static partial class torch
{
    public static partial class nn
    {
        public enum NonlinearityType { Linear, Conv1D, Conv2D, Conv3D, ConvTranspose1D, ConvTranspose2D, ConvTranspose3D, Sigmoid, Tanh, ReLU, LeakyReLU, SELU }

        public enum FanInOut { FanIn, FanOut }

        /// <summary>
        /// torch.nn.init: in-place initialisers, without autograd history. The bound computations repeat
        /// PyTorch's in double precision, so a given seed draws the same values as PyTorch.
        /// </summary>
        public static class init
        {
            public static Tensor uniform_(Tensor tensor, double low = 0, double high = 1)
            {
                Interop.Check(NativeMethods.rbp_random_(0, tensor.Handle, low, high));
                return tensor;
            }

            public static Tensor normal_(Tensor tensor, double mean = 0, double std = 1)
            {
                Interop.Check(NativeMethods.rbp_random_(1, tensor.Handle, mean, std));
                return tensor;
            }

            public static Tensor constant_(Tensor tensor, Scalar value)
            {
                using (no_grad()) tensor.fill_(value);
                return tensor;
            }

            public static Tensor zeros_(Tensor tensor) => constant_(tensor, 0);

            public static Tensor ones_(Tensor tensor) => constant_(tensor, 1);

            public static double calculate_gain(NonlinearityType nonlinearity, double? param = null) => nonlinearity switch
            {
                NonlinearityType.Sigmoid or NonlinearityType.Linear or NonlinearityType.Conv1D or NonlinearityType.Conv2D
                    or NonlinearityType.Conv3D or NonlinearityType.ConvTranspose1D or NonlinearityType.ConvTranspose2D
                    or NonlinearityType.ConvTranspose3D => 1,
                NonlinearityType.Tanh => 5.0 / 3,
                NonlinearityType.ReLU => Math.Sqrt(2.0),
                NonlinearityType.LeakyReLU => Math.Sqrt(2.0 / (1 + Math.Pow(param ?? 0.01, 2))),
                NonlinearityType.SELU => 3.0 / 4,
                _ => throw new ArgumentException($"unsupported nonlinearity {nonlinearity}"),
            };

            /// <summary>PyTorch's _calculate_fan_in_and_fan_out: fan_in = dim1 × receptive field, fan_out = dim0 × receptive field.</summary>
            public static (long fanIn, long fanOut) CalculateFanInAndFanOut(Tensor tensor)
            {
                var s = tensor.shape;
                if (s.Length < 2)
                    throw new ArgumentException("fan in and fan out can not be computed for a tensor with fewer than 2 dimensions");
                long receptive = 1;
                for (var i = 2; i < s.Length; i++) receptive *= s[i];
                return (s[1] * receptive, s[0] * receptive);
            }

            public static Tensor xavier_uniform_(Tensor tensor, double gain = 1.0)
            {
                var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
                var std = gain * Math.Sqrt(2.0 / (fanIn + fanOut));
                var a = Math.Sqrt(3.0) * std;
                return uniform_(tensor, -a, a);
            }

            public static Tensor xavier_normal_(Tensor tensor, double gain = 1.0)
            {
                var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
                return normal_(tensor, 0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)));
            }

            public static Tensor kaiming_uniform_(Tensor tensor, double a = 0, FanInOut mode = FanInOut.FanIn,
                NonlinearityType nonlinearity = NonlinearityType.LeakyReLU)
            {
                var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
                var fan = mode == FanInOut.FanIn ? fanIn : fanOut;
                var std = calculate_gain(nonlinearity, a) / Math.Sqrt(fan);
                var bound = Math.Sqrt(3.0) * std;
                return uniform_(tensor, -bound, bound);
            }

            public static Tensor kaiming_normal_(Tensor tensor, double a = 0, FanInOut mode = FanInOut.FanIn,
                NonlinearityType nonlinearity = NonlinearityType.LeakyReLU)
            {
                var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor);
                var fan = mode == FanInOut.FanIn ? fanIn : fanOut;
                return normal_(tensor, 0, calculate_gain(nonlinearity, a) / Math.Sqrt(fan));
            }
        }

        public static class utils
        {
            /// <summary>
            /// Scales all gradients so that their joint norm is at most <paramref name="max_norm"/> (PyTorch 1.13's
            /// algorithm); returns the norm before clipping.
            /// </summary>
            public static unsafe double clip_grad_norm_(IEnumerable<Modules.Parameter> tensors, double max_norm, double norm_type = 2.0)
            {
                var list = tensors.ToList<Tensor?>();
                using var handles = new HandleArray(list);
                double total;
                fixed (IntPtr* p = handles.Pointers)
                    Interop.Check(NativeMethods.rbp_clip_grad_norm(p, list.Count, max_norm, norm_type, out total));
                return total;
            }
        }
    }
}
