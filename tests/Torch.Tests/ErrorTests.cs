using static RbpPipeline.Torch.torch;

namespace RbpPipeline.Torch.Tests;

/// <summary>Misuse surfaces as managed exceptions with libtorch's explanation; the process carries on.</summary>
public sealed class ErrorTests
{
    [Fact]
    public void ShapeMismatchInMatmulThrowsWithLibtorchMessage()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<TorchException>(() => ones([2, 3]).matmul(ones([4, 5])));
        Assert.Contains("cannot be multiplied", ex.Message);
        Assert.Contains("2x3", ex.Message);
        Assert.DoesNotContain("frame #", ex.Message); // no C++ backtrace in the message
        Assert.Equal(6f, ones([2, 3]).sum().item<float>()); // libtorch still usable
    }

    [Fact]
    public void NonBroadcastableShapesThrow()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<TorchException>(() => ones([3]) + ones([4]));
        Assert.Contains("must match the size", ex.Message);
    }

    [Fact]
    public void ConvolutionWithWrongChannelCountThrows()
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv1d(4, 8, 3);
        var ex = Assert.Throws<TorchException>(() => conv.call(randn([2, 5, 10])));
        Assert.Contains("expected input[2, 5, 10] to have 4 channels", ex.Message);
    }

    [Fact]
    public void LinearWithWrongFeatureCountThrows()
    {
        using var scope = NewDisposeScope();
        using var linear = nn.Linear(10, 2);
        var ex = Assert.Throws<TorchException>(() => linear.call(randn([3, 7])));
        Assert.Contains("cannot be multiplied", ex.Message);
    }

    [Fact]
    public void WrongDtypesThrow()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<TorchException>(() => nn.functional.cross_entropy(randn([4, 3]), randn([4])));
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
        var mixed = Assert.Throws<TorchException>(() => ones([2, 2]).matmul(ones([2, 2], ScalarType.Int64)));
        Assert.Contains("Long", mixed.Message);
        var copy = Assert.Throws<InvalidOperationException>(() => tensor(new long[] { 1, 2 }).data<float>());
        Assert.Contains("Int64", copy.Message);
    }

    [Fact]
    public void DataOfWrongLengthIsRejected()
    {
        var ex = Assert.Throws<TorchException>(() => tensor(new float[] { 1, 2, 3 }, [2, 2]));
        Assert.Contains("needs 16", ex.Message);
        using var t = zeros([4]);
        Assert.Throws<TorchException>(() => t.CopyTo(new float[3].AsSpan()));
    }

    [Fact]
    public void BackwardOfNonScalarWithoutGradientThrows()
    {
        using var scope = NewDisposeScope();
        var x = randn([3], requires_grad: true);
        var ex = Assert.Throws<TorchException>(() => (x * 2).backward());
        Assert.Contains("only for scalar outputs", ex.Message);
        var y = randn([3]);
        Assert.Throws<TorchException>(() => y.sum().backward()); // nothing requires grad
    }

    [Fact]
    public void UseAfterDisposeThrowsObjectDisposed()
    {
        var t = ones([2]);
        t.Dispose();
        Assert.True(t.IsInvalid);
        var ex = Assert.Throws<ObjectDisposedException>(() => t.sum());
        Assert.Contains("disposed", ex.Message);
        Assert.Throws<ObjectDisposedException>(() => t.shape);
        Assert.Throws<ObjectDisposedException>(() => ones([2]) + t);
        t.Dispose(); // idempotent

        Tensor inner;
        using (NewDisposeScope()) inner = ones([2]);
        Assert.Throws<ObjectDisposedException>(() => inner.item<float>());
    }

    [Fact]
    public void BatchNormRejectsWrongRank()
    {
        using var scope = NewDisposeScope();
        using var bn = nn.BatchNorm1d(3);
        var ex = Assert.Throws<ArgumentException>(() => bn.call(randn([2, 3, 4, 5])));
        Assert.Contains("expected 2D or 3D input (got 4D input)", ex.Message);
    }

    [Fact]
    public void LoadStateDictReportsMismatchedShapesAndNames()
    {
        using var scope = NewDisposeScope();
        using var linear = nn.Linear(3, 2);
        var wrong = new Dictionary<string, Tensor> { ["weight"] = zeros([2, 4]), ["bias"] = zeros([2]) };
        var ex = Assert.Throws<ArgumentException>(() => linear.load_state_dict(wrong));
        Assert.Contains("size mismatch for weight", ex.Message);
        var missing = Assert.Throws<ArgumentException>(() => linear.load_state_dict(new Dictionary<string, Tensor> { ["weight"] = zeros([2, 3]) }));
        Assert.Contains("missing [bias]", missing.Message);
        var (m, u) = linear.load_state_dict(new Dictionary<string, Tensor> { ["weight"] = zeros([2, 3]), ["extra"] = zeros([1]) }, strict: false);
        Assert.Equal(["bias"], m);
        Assert.Equal(["extra"], u);
    }

    [Fact]
    public void NoGradScopeDisposedOnAnotherThreadThrows()
    {
        var scope = no_grad();
        Exception? caught = null;
        var thread = new Thread(() => { try { scope.Dispose(); } catch (Exception e) { caught = e; } });
        thread.Start();
        thread.Join();
        Assert.IsType<InvalidOperationException>(caught);
        Assert.Contains("await", caught!.Message);
        scope.Dispose();
        Assert.True(is_grad_enabled());
    }

    [Fact]
    public async Task ErrorsOnOneThreadDoNotLeakIntoAnother()
    {
        // The shim keeps the message per thread: a failure elsewhere cannot be misreported here.
        var failures = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 50; i++)
            {
                using var s = NewDisposeScope();
                Assert.Throws<TorchException>(() => ones([2, 3]).matmul(ones([2, 3])));
                Assert.Equal(4f, ones([2, 2]).sum().item<float>());
            }
        }, TestContext.Current.CancellationToken)).ToArray();
        await Task.WhenAll(failures);
    }
}
