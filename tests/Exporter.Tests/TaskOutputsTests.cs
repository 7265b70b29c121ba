using RbpPipeline.Contracts.Manifests;
using RbpPipeline.Exporter.Graphs;
using RbpPipeline.Exporter.Parity;

namespace RbpPipeline.Exporter.Tests;

/// <summary>A multi-task model's model.onnx names each task's output (raw_&lt;task&gt;), a slice of raw.</summary>
public sealed class TaskOutputsTests
{
    [Fact]
    public void A_multi_task_export_has_one_named_output_per_task_equal_to_its_column_of_raw()
    {
        using var temp = new TempFolder();
        var checkpoint = TestCheckpoints.Write(temp.File("ckpt"), tasks: 3);
        var result = ModelExporter.Export(checkpoint.Folder, new ExportOptions { Repository = temp.File("models"), Publish = false }, TestContext.Current.CancellationToken);
        var batch = ParityBatch.FromEncoding(checkpoint.Manifest.Encoding, 3, synthetic: 4, random: 4);
        using var runner = new OrtRunner(result.Graphs.Model);
        string[] names = ["raw", "raw_task0", "raw_task1", "raw_task2"];
        var outputs = runner.Run(batch.Inputs, names);
        for (var t = 0; t < 3; t++)
            for (var i = 0; i < batch.Size; i++)
                Assert.Equal(outputs["raw"][i * 3 + t], outputs[$"raw_task{t}"][i]);
        Assert.Equal(["raw", "probability"], result.Manifest.Outputs.Select(o => o.Name));

        // A single-task model keeps the two outputs only.
        var single = TestCheckpoints.Write(temp.File("single"), tasks: 1);
        using var one = new OrtRunner(ModelExporter.Export(single.Folder, new ExportOptions { Repository = temp.File("models"), Publish = false }, TestContext.Current.CancellationToken).Graphs.Model);
        Assert.Equal(["raw", "probability"], one.Session.OutputNames);
        Assert.Equal(TaskType.Binary, checkpoint.Manifest.Tasks[0].Type);
        Assert.Equal("raw_task0", OnnxExport.TaskOutput("task0"));
    }
}
