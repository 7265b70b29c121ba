using RbpPipeline.Torch.Native;

namespace RbpPipeline.Torch;

public static partial class torch
{
    public partial class Tensor
    {
        private Tensor Unary(UnaryOp op) => Wrap(NativeMethods.rbp_unary((int)op, Handle));

        private Tensor UnaryInPlace(UnaryOp op)
        {
            Interop.Check(NativeMethods.rbp_unary_((int)op, Handle));
            return this;
        }

        private Tensor Binary(BinaryOp op, Tensor other, double alpha = 1) =>
            Wrap(NativeMethods.rbp_binary((int)op, Handle, other.Handle, alpha));

        private Tensor Binary(BinaryOp op, Scalar s) =>
            Wrap(NativeMethods.rbp_binary_scalar((int)op, Handle, s.Double, s.Long, s.Kind));

        private Tensor BinaryInPlace(BinaryOp op, Tensor other, double alpha = 1)
        {
            Interop.Check(NativeMethods.rbp_binary_((int)op, Handle, other.Handle, alpha));
            return this;
        }

        private Tensor BinaryInPlace(BinaryOp op, Scalar s)
        {
            Interop.Check(NativeMethods.rbp_binary_scalar_((int)op, Handle, s.Double, s.Long, s.Kind));
            return this;
        }

        // ---- elementwise -----------------------------------------------------------------------------------

        public Tensor neg() => Unary(UnaryOp.Neg);
        public Tensor exp() => Unary(UnaryOp.Exp);
        public Tensor log() => Unary(UnaryOp.Log);
        public Tensor sigmoid() => Unary(UnaryOp.Sigmoid);
        public Tensor tanh() => Unary(UnaryOp.Tanh);
        public Tensor relu() => Unary(UnaryOp.Relu);
        public Tensor sqrt() => Unary(UnaryOp.Sqrt);
        public Tensor abs() => Unary(UnaryOp.Abs);
        public Tensor clone() => Unary(UnaryOp.Clone);
        public Tensor contiguous() => Unary(UnaryOp.Contiguous);
        public Tensor square() => Unary(UnaryOp.Square);
        public Tensor rsqrt() => Unary(UnaryOp.Rsqrt);
        public Tensor log1p() => Unary(UnaryOp.Log1p);
        public Tensor expm1() => Unary(UnaryOp.Expm1);
        public Tensor floor() => Unary(UnaryOp.Floor);
        public Tensor ceil() => Unary(UnaryOp.Ceil);
        public Tensor round() => Unary(UnaryOp.Round);
        public Tensor sign() => Unary(UnaryOp.Sign);
        public Tensor logical_not() => Unary(UnaryOp.LogicalNot);
        public Tensor sin() => Unary(UnaryOp.Sin);
        public Tensor cos() => Unary(UnaryOp.Cos);
        public Tensor reciprocal() => Unary(UnaryOp.Reciprocal);
        public Tensor isnan() => Unary(UnaryOp.IsNan);
        public Tensor t() => Unary(UnaryOp.T);
        public Tensor T => Unary(UnaryOp.T);

        public Tensor neg_() => UnaryInPlace(UnaryOp.Neg);
        public Tensor exp_() => UnaryInPlace(UnaryOp.Exp);
        public Tensor log_() => UnaryInPlace(UnaryOp.Log);
        public Tensor sigmoid_() => UnaryInPlace(UnaryOp.Sigmoid);
        public Tensor tanh_() => UnaryInPlace(UnaryOp.Tanh);
        public Tensor relu_() => UnaryInPlace(UnaryOp.Relu);
        public Tensor sqrt_() => UnaryInPlace(UnaryOp.Sqrt);
        public Tensor abs_() => UnaryInPlace(UnaryOp.Abs);
        public Tensor square_() => UnaryInPlace(UnaryOp.Square);
        public Tensor zero_() => UnaryInPlace(UnaryOp.Zero);

        public Tensor add(Tensor other) => Binary(BinaryOp.Add, other);
        public Tensor add(Tensor other, Scalar alpha) => Binary(BinaryOp.Add, other, alpha.ToDouble());
        public Tensor add(Scalar other) => Binary(BinaryOp.Add, other);
        public Tensor sub(Tensor other) => Binary(BinaryOp.Sub, other);
        public Tensor sub(Tensor other, Scalar alpha) => Binary(BinaryOp.Sub, other, alpha.ToDouble());
        public Tensor sub(Scalar other) => Binary(BinaryOp.Sub, other);
        public Tensor mul(Tensor other) => Binary(BinaryOp.Mul, other);
        public Tensor mul(Scalar other) => Binary(BinaryOp.Mul, other);
        public Tensor div(Tensor other) => Binary(BinaryOp.Div, other);
        public Tensor div(Scalar other) => Binary(BinaryOp.Div, other);
        public Tensor pow(Tensor exponent) => Binary(BinaryOp.Pow, exponent);
        public Tensor pow(Scalar exponent) => Binary(BinaryOp.Pow, exponent);
        public Tensor remainder(Tensor other) => Binary(BinaryOp.Remainder, other);
        public Tensor remainder(Scalar other) => Binary(BinaryOp.Remainder, other);
        public Tensor floor_divide(Tensor other) => Binary(BinaryOp.FloorDivide, other);
        public Tensor floor_divide(Scalar other) => Binary(BinaryOp.FloorDivide, other);
        public Tensor matmul(Tensor other) => Binary(BinaryOp.MatMul, other);
        public Tensor mm(Tensor other) => Binary(BinaryOp.MatMul, other);
        public Tensor maximum(Tensor other) => Binary(BinaryOp.Maximum, other);
        public Tensor minimum(Tensor other) => Binary(BinaryOp.Minimum, other);
        public Tensor logical_and(Tensor other) => Binary(BinaryOp.LogicalAnd, other);
        public Tensor logical_or(Tensor other) => Binary(BinaryOp.LogicalOr, other);

        public Tensor eq(Tensor other) => Binary(BinaryOp.Eq, other);
        public Tensor eq(Scalar other) => Binary(BinaryOp.Eq, other);
        public Tensor ne(Tensor other) => Binary(BinaryOp.Ne, other);
        public Tensor ne(Scalar other) => Binary(BinaryOp.Ne, other);
        public Tensor lt(Tensor other) => Binary(BinaryOp.Lt, other);
        public Tensor lt(Scalar other) => Binary(BinaryOp.Lt, other);
        public Tensor le(Tensor other) => Binary(BinaryOp.Le, other);
        public Tensor le(Scalar other) => Binary(BinaryOp.Le, other);
        public Tensor gt(Tensor other) => Binary(BinaryOp.Gt, other);
        public Tensor gt(Scalar other) => Binary(BinaryOp.Gt, other);
        public Tensor ge(Tensor other) => Binary(BinaryOp.Ge, other);
        public Tensor ge(Scalar other) => Binary(BinaryOp.Ge, other);

        public Tensor add_(Tensor other) => BinaryInPlace(BinaryOp.Add, other);
        public Tensor add_(Tensor other, Scalar alpha) => BinaryInPlace(BinaryOp.Add, other, alpha.ToDouble());
        public Tensor add_(Scalar other) => BinaryInPlace(BinaryOp.Add, other);
        public Tensor sub_(Tensor other) => BinaryInPlace(BinaryOp.Sub, other);
        public Tensor sub_(Scalar other) => BinaryInPlace(BinaryOp.Sub, other);
        public Tensor mul_(Tensor other) => BinaryInPlace(BinaryOp.Mul, other);
        public Tensor mul_(Scalar other) => BinaryInPlace(BinaryOp.Mul, other);
        public Tensor div_(Tensor other) => BinaryInPlace(BinaryOp.Div, other);
        public Tensor div_(Scalar other) => BinaryInPlace(BinaryOp.Div, other);
        public Tensor pow_(Scalar exponent) => BinaryInPlace(BinaryOp.Pow, exponent);
        public Tensor copy_(Tensor source) => BinaryInPlace(BinaryOp.Copy, source);
        public Tensor fill_(Scalar value) => BinaryInPlace(BinaryOp.Fill, value);

        public static Tensor operator +(Tensor a, Tensor b) => a.add(b);
        public static Tensor operator +(Tensor a, Scalar b) => a.add(b);
        public static Tensor operator +(Scalar a, Tensor b) => b.add(a);
        public static Tensor operator -(Tensor a, Tensor b) => a.sub(b);
        public static Tensor operator -(Tensor a, Scalar b) => a.sub(b);
        public static Tensor operator -(Scalar a, Tensor b) => b.Binary(BinaryOp.RSub, a);
        public static Tensor operator *(Tensor a, Tensor b) => a.mul(b);
        public static Tensor operator *(Tensor a, Scalar b) => a.mul(b);
        public static Tensor operator *(Scalar a, Tensor b) => b.mul(a);
        public static Tensor operator /(Tensor a, Tensor b) => a.div(b);
        public static Tensor operator /(Tensor a, Scalar b) => a.div(b);
        public static Tensor operator /(Scalar a, Tensor b) => b.Binary(BinaryOp.RDiv, a);
        public static Tensor operator %(Tensor a, Tensor b) => a.remainder(b);
        public static Tensor operator %(Tensor a, Scalar b) => a.remainder(b);
        public static Tensor operator -(Tensor a) => a.neg();
        public static Tensor operator <(Tensor a, Tensor b) => a.lt(b);
        public static Tensor operator <(Tensor a, Scalar b) => a.lt(b);
        public static Tensor operator >(Tensor a, Tensor b) => a.gt(b);
        public static Tensor operator >(Tensor a, Scalar b) => a.gt(b);
        public static Tensor operator <=(Tensor a, Tensor b) => a.le(b);
        public static Tensor operator <=(Tensor a, Scalar b) => a.le(b);
        public static Tensor operator >=(Tensor a, Tensor b) => a.ge(b);
        public static Tensor operator >=(Tensor a, Scalar b) => a.ge(b);
        public static Tensor operator &(Tensor a, Tensor b) => a.logical_and(b);
        public static Tensor operator |(Tensor a, Tensor b) => a.logical_or(b);
        public static Tensor operator !(Tensor a) => a.logical_not();

        /// <summary>Elements clamped to [min, max]; either bound may be null.</summary>
        public Tensor clamp(Scalar? min = null, Scalar? max = null) => Clamp(min, max, inplace: false);

        public Tensor clamp_(Scalar? min = null, Scalar? max = null) => Clamp(min, max, inplace: true);

        public Tensor clamp_min(Scalar min) => clamp(min, null);

        public Tensor clamp_max(Scalar max) => clamp(null, max);

        public Tensor clip(Scalar? min = null, Scalar? max = null) => clamp(min, max);

        private Tensor Clamp(Scalar? min, Scalar? max, bool inplace)
        {
            var integral = (min?.IsIntegral ?? true) && (max?.IsIntegral ?? true) && IsIntegral(dtype);
            var h = Interop.Check(NativeMethods.rbp_clamp(Handle, min is null ? 0 : 1, min?.ToDouble() ?? 0,
                max is null ? 0 : 1, max?.ToDouble() ?? 0, integral ? 1 : 0, inplace ? 1 : 0));
            if (!inplace) return new Tensor(h);
            NativeMethods.rbp_tensor_free(h); // the shim returns an alias for uniformity; this instance is the result
            return this;
        }

        /// <summary>Elements of this where <paramref name="condition"/> holds, else of <paramref name="other"/>.</summary>
        public Tensor where(Tensor condition, Tensor other) => torch.where(condition, this, other);

        public Tensor masked_fill(Tensor mask, Scalar value) =>
            Wrap(NativeMethods.rbp_masked_fill(Handle, mask.Handle, value.ToDouble(), 0));

        public bool equal(Tensor other) => Interop.Check(NativeMethods.rbp_equal(Handle, other.Handle)) != 0;

        public bool allclose(Tensor other, double rtol = 1e-05, double atol = 1e-08) =>
            Interop.Check(NativeMethods.rbp_allclose(Handle, other.Handle, rtol, atol)) != 0;

        // ---- activations (also in torch.nn.functional) -----------------------------------------------------

        public Tensor softmax(long dim) => Reduce(ReduceOp.Softmax, [dim], true, false);
        public Tensor log_softmax(long dim) => Reduce(ReduceOp.LogSoftmax, [dim], true, false);
        public Tensor cumsum(long dim) => Reduce(ReduceOp.CumSum, [dim], true, false);

        // ---- reductions ------------------------------------------------------------------------------------

        private unsafe Tensor Reduce(ReduceOp op, ReadOnlySpan<long> dims, bool hasDims, bool keepdim,
            bool unbiased = true, double p = 2)
        {
            fixed (long* d = dims)
                return Wrap(NativeMethods.rbp_reduce((int)op, Handle, d, dims.Length, hasDims ? 1 : 0, keepdim ? 1 : 0,
                    unbiased ? 1 : 0, p));
        }

        public Tensor sum() => Reduce(ReduceOp.Sum, [], false, false);
        public Tensor sum(long dim, bool keepdim = false) => Reduce(ReduceOp.Sum, [dim], true, keepdim);
        public Tensor sum(long[] dims, bool keepdim = false) => Reduce(ReduceOp.Sum, dims, true, keepdim);
        public Tensor mean() => Reduce(ReduceOp.Mean, [], false, false);
        public Tensor mean(long dim, bool keepdim = false) => Reduce(ReduceOp.Mean, [dim], true, keepdim);
        public Tensor mean(long[] dims, bool keepdim = false) => Reduce(ReduceOp.Mean, dims, true, keepdim);
        public Tensor prod() => Reduce(ReduceOp.Prod, [], false, false);
        public Tensor prod(long dim, bool keepdim = false) => Reduce(ReduceOp.Prod, [dim], true, keepdim);
        public Tensor amax(params long[] dims) => Reduce(ReduceOp.AMax, dims, true, false);
        public Tensor amax(long[] dims, bool keepdim) => Reduce(ReduceOp.AMax, dims, true, keepdim);
        public Tensor amin(params long[] dims) => Reduce(ReduceOp.AMin, dims, true, false);
        public Tensor amin(long[] dims, bool keepdim) => Reduce(ReduceOp.AMin, dims, true, keepdim);
        public Tensor std(bool unbiased = true) => Reduce(ReduceOp.Std, [], false, false, unbiased);
        public Tensor std(long dim, bool unbiased = true, bool keepdim = false) => Reduce(ReduceOp.Std, [dim], true, keepdim, unbiased);
        public Tensor std(long[] dims, bool unbiased = true, bool keepdim = false) => Reduce(ReduceOp.Std, dims, true, keepdim, unbiased);
        public Tensor var(bool unbiased = true) => Reduce(ReduceOp.Var, [], false, false, unbiased);
        public Tensor var(long dim, bool unbiased = true, bool keepdim = false) => Reduce(ReduceOp.Var, [dim], true, keepdim, unbiased);
        public Tensor var(long[] dims, bool unbiased = true, bool keepdim = false) => Reduce(ReduceOp.Var, dims, true, keepdim, unbiased);
        public Tensor argmax() => Reduce(ReduceOp.ArgMax, [], false, false);
        public Tensor argmax(long dim, bool keepdim = false) => Reduce(ReduceOp.ArgMax, [dim], true, keepdim);
        public Tensor argmin() => Reduce(ReduceOp.ArgMin, [], false, false);
        public Tensor argmin(long dim, bool keepdim = false) => Reduce(ReduceOp.ArgMin, [dim], true, keepdim);
        public Tensor logsumexp(long dim, bool keepdim = false) => Reduce(ReduceOp.LogSumExp, [dim], true, keepdim);
        public Tensor norm(double p = 2) => Reduce(ReduceOp.Norm, [], false, false, p: p);
        public Tensor norm(long dim, bool keepdim = false, double p = 2) => Reduce(ReduceOp.Norm, [dim], true, keepdim, p: p);
        public Tensor any() => Reduce(ReduceOp.Any, [], false, false);
        public Tensor any(long dim, bool keepdim = false) => Reduce(ReduceOp.Any, [dim], true, keepdim);
        public Tensor all() => Reduce(ReduceOp.All, [], false, false);
        public Tensor all(long dim, bool keepdim = false) => Reduce(ReduceOp.All, [dim], true, keepdim);
        public Tensor count_nonzero() => Reduce(ReduceOp.CountNonzero, [], false, false);

        /// <summary>The largest element.</summary>
        public Tensor max() => Reduce(ReduceOp.Max, [], false, false);

        public Tensor min() => Reduce(ReduceOp.Min, [], false, false);

        /// <summary>Largest values over <paramref name="dim"/> and their indices.</summary>
        public (Tensor values, Tensor indexes) max(long dim, bool keepdim = false) => MaxDim(false, dim, keepdim);

        public (Tensor values, Tensor indexes) min(long dim, bool keepdim = false) => MaxDim(true, dim, keepdim);

        private (Tensor, Tensor) MaxDim(bool isMin, long dim, bool keepdim)
        {
            Interop.Check(NativeMethods.rbp_max_dim(isMin ? 1 : 0, Handle, dim, keepdim ? 1 : 0, out var v, out var i));
            return (new Tensor(v), new Tensor(i));
        }
    }
}
