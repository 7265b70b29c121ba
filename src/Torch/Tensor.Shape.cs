using RbpPipeline.Torch.Native;

namespace RbpPipeline.Torch;

public static partial class torch
{
    public partial class Tensor
    {
        private unsafe Tensor ShapeOp(ShapeOp op, ReadOnlySpan<long> args)
        {
            fixed (long* a = args) return Wrap(NativeMethods.rbp_shape_op((int)op, Handle, a, args.Length));
        }

        public Tensor reshape(params long[] shape) => ShapeOp(Native.ShapeOp.Reshape, shape);
        public Tensor view(params long[] shape) => ShapeOp(Native.ShapeOp.View, shape);
        public Tensor permute(params long[] dims) => ShapeOp(Native.ShapeOp.Permute, dims);
        public Tensor transpose(long dim0, long dim1) => ShapeOp(Native.ShapeOp.Transpose, [dim0, dim1]);
        public Tensor flatten(long start_dim = 0, long end_dim = -1) => ShapeOp(Native.ShapeOp.Flatten, [start_dim, end_dim]);
        public Tensor squeeze() => ShapeOp(Native.ShapeOp.Squeeze, []);
        public Tensor squeeze(long dim) => ShapeOp(Native.ShapeOp.Squeeze, [dim]);
        public Tensor unsqueeze(long dim) => ShapeOp(Native.ShapeOp.Unsqueeze, [dim]);
        public Tensor narrow(long dim, long start, long length) => ShapeOp(Native.ShapeOp.Narrow, [dim, start, length]);

        /// <summary>Elements start..end (exclusive) with a step along dim, as Python's t[..., start:end:step].</summary>
        public Tensor slice(long dim, long start, long end, long step = 1) => ShapeOp(Native.ShapeOp.Slice, [dim, start, end, step]);

        public Tensor select(long dim, long index) => ShapeOp(Native.ShapeOp.Select, [dim, index]);
        public Tensor expand(params long[] sizes) => ShapeOp(Native.ShapeOp.Expand, sizes);
        public Tensor repeat(params long[] repeats) => ShapeOp(Native.ShapeOp.Repeat, repeats);
        public Tensor flip(params long[] dims) => ShapeOp(Native.ShapeOp.Flip, dims);
        public Tensor roll(long shifts, long dims) => ShapeOp(Native.ShapeOp.Roll, [shifts, dims]);
        public Tensor view_as(Tensor other) => view(other.shape);
        public Tensor expand_as(Tensor other) => expand(other.shape);
        public Tensor reshape_as(Tensor other) => reshape(other.shape);

        /// <summary>t[index] along the first dimension.</summary>
        public Tensor this[long index] => select(0, index);

        /// <summary>t[indices] with a long tensor (rows picked along dim 0) or a bool mask (masked_select).</summary>
        public Tensor this[Tensor indices] =>
            Wrap(NativeMethods.rbp_index((int)(indices.dtype == ScalarType.Bool ? IndexOp.MaskedSelect : IndexOp.Index),
                Handle, 0, indices.Handle));

        public Tensor index_select(long dim, Tensor index) =>
            Wrap(NativeMethods.rbp_index((int)IndexOp.IndexSelect, Handle, dim, index.Handle));

        public Tensor gather(long dim, Tensor index) =>
            Wrap(NativeMethods.rbp_index((int)IndexOp.Gather, Handle, dim, index.Handle));

        public Tensor masked_select(Tensor mask) =>
            Wrap(NativeMethods.rbp_index((int)IndexOp.MaskedSelect, Handle, 0, mask.Handle));

        private unsafe Tensor[] Split(int op, long arg, long dim)
        {
            var capacity = op == 2 ? (int)size((int)dim) : (int)Math.Max(1, op == 0 ? arg : (size((int)dim) + arg - 1) / Math.Max(arg, 1));
            var outs = new IntPtr[Math.Max(capacity, 1)];
            int n;
            fixed (IntPtr* o = outs) n = Interop.Check(NativeMethods.rbp_split(op, Handle, arg, dim, o, outs.Length));
            var result = new Tensor[n];
            for (var i = 0; i < n; i++) result[i] = new Tensor(outs[i]);
            return result;
        }

        public Tensor[] chunk(long chunks, long dim = 0) => Split(0, chunks, dim);
        public Tensor[] split(long split_size, long dim = 0) => Split(1, split_size, dim);
        public Tensor[] unbind(long dim = 0) => Split(2, 0, dim);
    }
}
