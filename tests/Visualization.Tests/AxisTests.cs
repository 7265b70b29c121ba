namespace RbpPipeline.Visualization.Tests;

public class AxisTests
{
    [Theory]
    [InlineData(1.0, 5, 0.2)]
    [InlineData(2.0, 4, 0.5)]
    [InlineData(7.0, 5, 2.0)]
    [InlineData(0.013, 5, 0.005)]
    [InlineData(1200.0, 5, 500.0)]
    [InlineData(1.2, 5, 0.5)]
    public void Steps_are_1_2_or_5_times_a_power_of_ten_and_give_at_most_the_target_intervals(double span, int target, double expected)
    {
        var step = Axis.NiceStep(span, target);
        Assert.Equal(expected, step, 12);
        Assert.True(span / step <= target + 1e-9);
    }

    [Fact]
    public void Ticks_are_exact_multiples_within_the_range()
    {
        var ticks = Axis.Ticks(-0.3, 0.3, 0.1);
        Assert.Equal(["-0.3", "-0.2", "-0.1", "0.0", "0.1", "0.2", "0.3"], ticks.Select(t => Axis.FormatTick(t, 0.1)));
        Assert.Equal([0.5, 1.0, 1.5], Axis.Ticks(0.45, 1.7, 0.5));
        Assert.DoesNotContain("-", Axis.FormatTick(-0.00001, 0.1));
        Assert.Equal("0.25", Axis.FormatTick(0.25, 0.25));
        Assert.Equal("1000", Axis.FormatTick(1000, 500));
        Assert.Equal("2E-12", Axis.FormatTick(2.0000001e-12, 1e-12));
        Assert.Equal("1500000", Axis.FormatTick(1.5e6, 5e5));
        Assert.Equal("2E+6", Axis.FormatTick(2e6, 1e6));
    }

    [Fact]
    public void Invalid_spans_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Axis.NiceStep(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Axis.NiceStep(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => Axis.Ticks(0, 1, 0));
    }
}
