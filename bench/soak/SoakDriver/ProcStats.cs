using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace SocketIo.Soak
{
    /// <summary>/proc/self/status: resident memory (VmRSS), its private anonymous part (RssAnon: heap, stacks —
    /// what a leak grows), and the thread count; plus the managed heap after a full collection.</summary>
    internal sealed class ProcStats
    {
        public string Label { get; set; } = "";
        public double RssMB { get; set; }
        public double PrivateMB { get; set; }
        public int Threads { get; set; }
        public double ManagedMB { get; set; }
        public double GcCommittedMB { get; set; }
        /// <summary>RssAnon again after an aggressive collection (the GC decommits what it keeps for reuse): what is left
        /// is live memory — the leak indicator.</summary>
        public double PrivateAfterAggressiveMB { get; set; }

        /// <summary>After a full blocking GC (so the figures compare states, not how far the GC got).</summary>
        public static ProcStats Sample(string label)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            long rss = 0, anon = 0;
            int threads = 0;
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Number(line);
                else if (line.StartsWith("RssAnon:", StringComparison.Ordinal)) anon = Number(line);
                else if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = (int)Number(line);
            }
            var stats = new ProcStats
            {
                Label = label,
                RssMB = Math.Round(rss / 1024.0, 1),
                PrivateMB = Math.Round(anon / 1024.0, 1),
                Threads = threads,
                ManagedMB = Math.Round(GC.GetTotalMemory(false) / 1048576.0, 2),
                GcCommittedMB = Math.Round(GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0, 1),
            };
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("RssAnon:", StringComparison.Ordinal)) stats.PrivateAfterAggressiveMB = Math.Round(Number(line) / 1024.0, 1);
            return stats;
        }

        public Dictionary<string, object?> ToDictionary() => new Dictionary<string, object?>
        {
            ["label"] = Label, ["rssMB"] = RssMB, ["privateMB"] = PrivateMB, ["threads"] = Threads, ["managedMB"] = ManagedMB, ["gcCommittedMB"] = GcCommittedMB, ["privateAggressiveMB"] = PrivateAfterAggressiveMB,
        };

        private static long Number(string line)
        {
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return parts.Length > 1 ? long.Parse(parts[1], CultureInfo.InvariantCulture) : 0;
        }
    }
}
