using Xunit;

namespace SocketIo.Core.Tests.Infrastructure
{
    /// <summary>Tests with sub-second protocol deadlines run in this collection: alone, never beside other classes.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class TimingSensitive
    {
        public const string Name = "Timing-sensitive (runs alone)";
    }
}
