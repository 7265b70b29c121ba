using RbpPipeline.InferenceServer.Tests.Support;

[assembly: AssemblyFixture(typeof(SharedServer))]
