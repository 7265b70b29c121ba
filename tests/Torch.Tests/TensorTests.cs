using RbpPipeline.Torch;
using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Torch.Tests;

public class TensorTests
{
    [Fact]
    public void CreatesFromSpansAndCopiesBack()
    {
        using var scope = NewDisposeScope();
        float[] values = [1, 2, 3, 4, 5, 6];
        var t = tensor(values, [2, 3]);
        Assert.Equal([2L, 3L], t.shape);
        Assert.Equal(ScalarType.Float32, t.dtype);
        Assert.Equal(values, t.data<float>().ToArray());
        Span<float> into = stackalloc float[6];
        t.CopyTo(into);
        Assert.Equal(values, into.ToArray());

        var l = tensor(new long[] { 1, -2, long.MaxValue }, [3]);
        Assert.Equal(ScalarType.Int64, l.dtype);
        Assert.Equal([1L, -2L, long.MaxValue], l.data<long>().ToArray());

        var b = tensor(new[] { true, false, true }, [3]);
        Assert.Equal(ScalarType.Bool, b.dtype);
        Assert.Equal([true, false, true], b.data<bool>().ToArray());

        var d = tensor(new[] { Math.PI }, [1]);
        Assert.Equal(Math.PI, d.item<double>());
        Assert.Equal(3.5f, tensor(3.5f).item<float>());
        Assert.Equal(0, tensor(3.5f).dim());
    }

    [Fact]
    public void ShapeOpsMoveElementsAsPyTorch()
    {
        using var scope = NewDisposeScope();
        var t = arange(24).reshape(2, 3, 4);
        Assert.Equal(ScalarType.Int64, t.dtype);
        Assert.Equal([4L, 2L, 3L], t.permute(2, 0, 1).shape);
        Assert.Equal(new long[] { 0, 4, 8, 12, 16, 20 }, t.permute(2, 0, 1)[0].contiguous().data<long>().ToArray());
        Assert.Equal(new long[] { 0, 4, 8 }, t.transpose(1, 2)[0][0].data<long>().ToArray());
        Assert.Equal([2L, 12L], t.flatten(1).shape);
        Assert.Equal([2L, 1L, 3L, 4L], t.unsqueeze(1).shape);
        Assert.Equal([2L, 3L, 4L], t.unsqueeze(1).squeeze(1).shape);
        Assert.Equal(new long[] { 5, 6 }, t.narrow(2, 1, 2)[0][1].data<long>().ToArray());
        Assert.Equal(new long[] { 12, 14 }, t.slice(2, 0, 4, 2)[1][0].data<long>().ToArray());
        Assert.Equal(new long[] { 16, 17, 18, 19, 12, 13, 14, 15 },
            t[1].index_select(0, tensor(new long[] { 1, 0 })).data<long>().ToArray());
        Assert.Equal([4L, 3L, 4L], cat([t, t], 0).shape);
        Assert.Equal([2L, 2L, 3L, 4L], stack([t, t], 1).shape);
        Assert.Equal(new long[] { 0, 1, 2, 3 }, t.chunk(3, 1)[0][0][0].data<long>().ToArray());
        Assert.Equal(3, t.unbind(1).Length);
    }

    [Fact]
    public void ArithmeticFollowsPyTorchTypePromotion()
    {
        using var scope = NewDisposeScope();
        var i = tensor(new long[] { 1, 2, 3 });
        Assert.Equal(ScalarType.Int64, (i + 2).dtype);
        Assert.Equal(new long[] { 3, 4, 5 }, (i + 2).data<long>().ToArray());
        Assert.Equal(ScalarType.Float32, (i + 2.5).dtype);
        Assert.Equal(new float[] { 0.5f, 1f, 1.5f }, (i / 2).data<float>().ToArray());
        var f = tensor(new float[] { 1, 2, 3 });
        Assert.Equal(new float[] { 9, 8, 7 }, (10 - f).data<float>().ToArray());
        Assert.Equal(new float[] { 6, 3, 2 }, (6 / f).data<float>().ToArray());
        Assert.Equal(new float[] { 1, 4, 9 }, (f * f).data<float>().ToArray());
        Assert.Equal(new float[] { 1, 8, 27 }, f.pow(3).data<float>().ToArray());
        Assert.Equal(new[] { false, true, true }, (f > 1).data<bool>().ToArray());
        Assert.Equal(new[] { true, false, false }, f.eq(1).data<bool>().ToArray());
        Assert.Equal(new float[] { 1.5f, 2, 2.5f }, f.clamp(1.5, 2.5).data<float>().ToArray());
        Assert.Equal(new float[] { 1, 20, 30 }, where(f > 1, f * 10, f).data<float>().ToArray());
        Assert.Equal((float)Math.Exp(2), f.exp()[1].item<float>(), 5);
        Assert.Equal((float)Math.Log(3), f.log()[2].item<float>(), 5);
    }

    [Fact]
    public void ReductionsOverDims()
    {
        using var scope = NewDisposeScope();
        var t = tensor(new float[] { 1, 5, 3, 4, 2, 6 }, [2, 3]);
        Assert.Equal(21f, t.sum().item<float>());
        Assert.Equal(new float[] { 9, 12 }, t.sum(1).data<float>().ToArray());
        Assert.Equal(new float[] { 2.5f, 3.5f, 4.5f }, t.mean([0L]).data<float>().ToArray());
        var (values, indexes) = t.max(1);
        Assert.Equal(new float[] { 5, 6 }, values.data<float>().ToArray());
        Assert.Equal(new long[] { 1, 2 }, indexes.data<long>().ToArray());
        Assert.Equal(new long[] { 1, 2 }, t.argmax(1).data<long>().ToArray());
        Assert.Equal(5L, t.argmax().item<long>());
        Assert.Equal(6f, t.max().item<float>());
        Assert.Equal([2L, 1L], t.sum(1, keepdim: true).shape);
        Assert.Equal(1.8708287f, t.std().item<float>(), 5);
        Assert.Equal(2.9166667f, t.var(false).item<float>(), 5);
    }
}
