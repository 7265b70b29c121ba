using RbpPipeline.Contracts.SequenceEncoding;
using RbpPipeline.Trainer.Checkpoints;
using RbpPipeline.Trainer.Data;

namespace RbpPipeline.Trainer.Pipeline;

/// <summary>
/// Why a stage of one model failed. A <see cref="Refusal"/> is a check the tool makes on purpose (bad data, a
/// configuration problem, a missing input, the parity gate): its message says everything, so no stack trace is
/// kept. Anything else is unexpected: the report keeps the exception's full text for whoever debugs it.
/// </summary>
public sealed record StageFailure(string Model, string Stage, bool Refusal, string ErrorType, string Message, string? Detail)
{
    public static StageFailure From(string model, string stage, Exception error, bool refusal) =>
        new(model, stage, refusal, error.GetType().Name, error.Message, refusal ? null : error.ToString());

    /// <summary>The exceptions every stage may throw to refuse its input (a stage adds its own through <see cref="IStageHandler.IsRefusal"/>).</summary>
    public static bool IsCommonRefusal(Exception error) => error is PipelineConfigException or DataFormatException
        or SequenceEncodingException or StagePrerequisiteException or CheckpointException;

    /// <summary>One line for a terminal: the message's first line (the report has the rest).</summary>
    public string Headline
    {
        get
        {
            var firstLine = Message.Split('\n', 2)[0].TrimEnd();
            return Refusal ? firstLine : $"unexpected {ErrorType}: {firstLine}";
        }
    }

    public override string ToString() => $"[{Model}] {Stage}: FAILED — {Headline}";
}
