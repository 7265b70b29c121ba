using RbpPipeline.Trainer.Training;

namespace RbpPipeline.Trainer.Tests.Training;

public sealed class ProgressTests
{
    private static readonly EpochRecord Epoch = new(2, 0.5, 0.91, 0.001, true, false, 3.5, new Dictionary<string, double> { ["auroc"] = 0.91, ["loss"] = 0.4 });

    [Fact]
    public void Redirected_output_gets_one_plain_line_per_epoch_and_no_redraws()
    {
        var writer = new StringWriter();
        var progress = new ConsoleTrainingProgress(writer, interactive: false, "m");

        progress.EpochStarted(2, 5, 10);
        for (var b = 1; b <= 10; b++) progress.BatchCompleted(2, b, 10, 0.5);
        progress.EpochCompleted(Epoch, 5, "auroc");

        Assert.Equal("m epoch 2/5  loss 0.5000  val_auroc 0.9100  val_loss 0.4000  lr 0.001  3.5 s  *best*\n", writer.ToString().Replace("\r\n", "\n"));
    }

    [Fact]
    public void A_terminal_gets_a_bar_redrawn_in_place_and_cleared_before_the_epoch_line()
    {
        var writer = new StringWriter();
        var progress = new ConsoleTrainingProgress(writer, interactive: true, "m");

        progress.EpochStarted(2, 5, 4);
        progress.BatchCompleted(2, 4, 4, 0.25);
        progress.EpochCompleted(Epoch, 5, "auroc");

        var text = writer.ToString();
        Assert.StartsWith("\rm epoch 2 [########################] 100% loss 0.2500 ETA 0:00", text);
        Assert.EndsWith("*best*" + Environment.NewLine, text);
        Assert.Single(text.Split('\n'), line => line.Contains("epoch 2/5"));
    }
}
