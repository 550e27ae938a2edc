using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace SocketIo.Soak
{
    /// <summary>One client emit `s` (k) as the client saw it.</summary>
    internal sealed class EmitRecord
    {
        public long K { get; set; }
        /// <summary>Sent (handed to the session's queue), Buffered (not connected: in the send buffer), Queued (retry
        /// queue), Dropped, Error.</summary>
        public string Outcome { get; set; } = "";
        /// <summary>The client session (1 = first connect, +1 per reconnection) it was last written on; 0 = never written.</summary>
        public int Session { get; set; }
        /// <summary>Times it was written (retries write it again).</summary>
        public int Writes { get; set; }
        /// <summary>The client session current when it was emitted (0 before the first connect).</summary>
        public int EmitSession { get; set; }
    }

    /// <summary>What the client recorded during a soak (the core driver fills it in memory; the cmdlet soak writes it
    /// as JSON and the driver's <c>analyze</c> mode reads it).</summary>
    internal sealed class ClientRecord
    {
        public List<EmitRecord> Emits { get; set; } = new List<EmitRecord>();
        /// <summary>Server stream ticks (gen, i) in arrival order.</summary>
        public List<long[]> Ticks { get; set; } = new List<long[]>();
        /// <summary>The session that was current at the end (it was not killed: nothing may be missing from it).</summary>
        public int FinalSession { get; set; }
        /// <summary>The last server generation and its last tick (the stream was stopped before the end).</summary>
        public int StopGen { get; set; } = -1;
        public long StopLast { get; set; } = -1;
        /// <summary>Retries mode: every emit must arrive at least once; duplicates are allowed (deduplicated).</summary>
        public bool AtLeastOnce { get; set; }

        public static ClientRecord Load(string path) =>
            JsonSerializer.Deserialize<ClientRecord>(File.ReadAllText(path), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })
            ?? throw new InvalidDataException($"{path}: empty");
    }

    /// <summary>
    /// Compares what the client emitted and received with what the server logged (soak-server.js --log).
    ///
    /// Client → server (`s` k):
    ///  - duplicates: arrivals beyond the first of the same k (0 in buffered mode; allowed and deduplicated with retries).
    ///  - order violations: a first arrival of k after some k' &gt; k had arrived (must be 0).
    ///  - lost: emitted, never arrived. Buffered mode (socket.io's at-most-once): a lost k is "in flight at a kill" when
    ///    it was written on a session that was then killed and every later k written on that session is lost too (the
    ///    tail of a dying transport) — allowed; it is "reported at a kill" when it was handed to the engine of a session
    ///    that died before writing it: the emit failed (the caller got SocketIoNotConnectedException) and the socket
    ///    counted it in EmitsDiscarded — allowed (socket.io-client loses those silently). Any other lost k is a real loss: a gap (a later k of the same session
    ///    arrived), never written, written on the final session, or an emit that was buffered (emitted while not
    ///    connected: those must arrive exactly once). Retries mode: every lost k is a real loss.
    /// Server → client (`tick` gen, i, logged "E gen i sockets&gt;0" before each broadcast):
    ///  - lost in flight at a kill: ticks of a killed generation after the last one received (allowed: at most once);
    ///  - lost (real): any other tick emitted while the client was joined and not received (gaps, the stopped last gen).
    /// </summary>
    internal static class Analysis
    {
        public static Dictionary<string, object?> Run(ClientRecord client, string serverLog)
        {
            var result = new Dictionary<string, object?>();
            var arrivals = new Dictionary<long, int>();
            var firstOrder = new List<long>();
            var emittedTicks = new Dictionary<int, List<long>>();
            long duplicateArrivals = 0, orderViolations = 0, maxSoFar = -1;
            var transports = new Dictionary<string, long>();
            foreach (var line in File.ReadLines(serverLog))
            {
                var parts = line.Split(' ');
                if (parts.Length < 3) continue;
                if (parts[0] == "R")
                {
                    long k = long.Parse(parts[2], CultureInfo.InvariantCulture);
                    if (parts.Length > 3) transports[parts[3]] = transports.GetValueOrDefault(parts[3]) + 1;
                    if (arrivals.TryGetValue(k, out int n))
                    {
                        arrivals[k] = n + 1;
                        duplicateArrivals++;
                        continue;
                    }
                    arrivals[k] = 1;
                    if (k < maxSoFar) orderViolations++;
                    else maxSoFar = k;
                    firstOrder.Add(k);
                }
                else if (parts[0] == "E" && parts.Length >= 4 && int.Parse(parts[3], CultureInfo.InvariantCulture) > 0)
                {
                    int g = int.Parse(parts[1], CultureInfo.InvariantCulture);
                    if (!emittedTicks.TryGetValue(g, out var list)) emittedTicks[g] = list = new List<long>();
                    list.Add(long.Parse(parts[2], CultureInfo.InvariantCulture));
                }
            }

            // ---- client → server ----
            var emits = client.Emits.OrderBy(e => e.K).ToList();
            var bySession = emits.Where(e => e.Session > 0).GroupBy(e => e.Session).ToDictionary(g => g.Key, g => g.Select(e => e.K).OrderBy(k => k).ToList());
            long lostInFlight = 0, lostReported = 0, lostReal = 0, lostBuffered = 0, lostNeverWritten = 0, lostGap = 0, lostFinal = 0, rewritten = 0;
            var lostSamples = new List<string>();
            foreach (var e in emits)
            {
                if (e.Writes > 1 && !client.AtLeastOnce) rewritten++;
                if (arrivals.ContainsKey(e.K)) continue;
                string kind;
                if (client.AtLeastOnce) kind = e.Session == 0 ? "never-written" : "not-acknowledged";
                else if (e.Session == 0 && e.Outcome == "Error" && e.EmitSession > 0 && e.EmitSession < client.FinalSession) kind = "failed-at-kill";
                else if (e.Session == 0) kind = "never-written";
                else if (e.Outcome == "Buffered") kind = "buffered";
                else if (e.Session >= client.FinalSession) kind = "final-session";
                else
                {
                    var sameSession = bySession[e.Session];
                    int at = sameSession.BinarySearch(e.K);
                    bool tail = true;
                    for (int j = at + 1; j < sameSession.Count && tail; j++) tail = !arrivals.ContainsKey(sameSession[j]);
                    kind = tail ? "in-flight-at-kill" : "gap";
                }
                switch (kind)
                {
                    case "in-flight-at-kill": lostInFlight++; continue;
                    case "failed-at-kill": lostReported++; continue;
                    case "buffered": lostBuffered++; break;
                    case "never-written": lostNeverWritten++; break;
                    case "gap": lostGap++; break;
                    case "final-session": lostFinal++; break;
                }
                lostReal++;
                if (lostSamples.Count < 10) lostSamples.Add($"k={e.K} {kind} outcome={e.Outcome} session={e.Session}");
            }
            result["emitted"] = emits.Count;
            result["outcomeSent"] = emits.Count(e => e.Outcome == "Sent");
            result["outcomeBuffered"] = emits.Count(e => e.Outcome == "Buffered");
            result["outcomeQueued"] = emits.Count(e => e.Outcome == "Queued");
            result["outcomeOther"] = emits.Count(e => e.Outcome != "Sent" && e.Outcome != "Buffered" && e.Outcome != "Queued");
            result["writes"] = emits.Sum(e => (long)e.Writes);
            result["received"] = arrivals.Count;
            result["receivedUnknown"] = arrivals.Keys.Count(k => k < 0 || k >= emits.Count);
            result["duplicates"] = duplicateArrivals;
            result["orderViolations"] = orderViolations;
            result["lostInFlightAtKill"] = lostInFlight;
            result["lostReportedAtKill"] = lostReported;
            result["lostReal"] = lostReal;
            result["lostBuffered"] = lostBuffered;
            result["lostGap"] = lostGap;
            result["lostNeverWritten"] = lostNeverWritten;
            result["lostFinalSession"] = lostFinal;
            result["rewritten"] = rewritten;
            result["bufferedDelivered"] = emits.Count(e => e.Outcome == "Buffered" && arrivals.ContainsKey(e.K));
            result["lostSamples"] = lostSamples;
            result["arrivalTransports"] = transports;

            // ---- server → client ----
            var receivedTicks = new Dictionary<int, List<long>>();
            long tickDuplicates = 0, tickOrder = 0;
            int lastGen = -1;
            foreach (var t in client.Ticks)
            {
                int g = (int)t[0];
                long i = t[1];
                if (g < lastGen) tickOrder++;
                lastGen = Math.Max(lastGen, g);
                if (!receivedTicks.TryGetValue(g, out var list)) receivedTicks[g] = list = new List<long>();
                if (list.Count > 0 && i <= list[list.Count - 1])
                {
                    if (list.Contains(i)) tickDuplicates++;
                    else tickOrder++;
                }
                list.Add(i);
            }
            long ticksEmitted = 0, ticksInFlight = 0, ticksLostReal = 0, ticksReceived = 0;
            var tickSamples = new List<string>();
            foreach (var pair in emittedTicks)
            {
                var got = receivedTicks.TryGetValue(pair.Key, out var l) ? new HashSet<long>(l) : new HashSet<long>();
                long maxGot = got.Count > 0 ? got.Max() : -1;
                bool stoppedGen = pair.Key == client.StopGen;
                foreach (long i in pair.Value)
                {
                    if (stoppedGen && i > client.StopLast) continue;
                    ticksEmitted++;
                    if (got.Contains(i)) { ticksReceived++; continue; }
                    if (!stoppedGen && i > maxGot) ticksInFlight++;
                    else
                    {
                        ticksLostReal++;
                        if (tickSamples.Count < 10) tickSamples.Add($"gen {pair.Key} tick {i} (last received {maxGot})");
                    }
                }
            }
            result["ticksEmitted"] = ticksEmitted;
            result["ticksReceived"] = ticksReceived;
            result["ticksDuplicates"] = tickDuplicates;
            result["ticksOrderViolations"] = tickOrder;
            result["ticksLostInFlightAtKill"] = ticksInFlight;
            result["ticksLostReal"] = ticksLostReal;
            result["ticksLostSamples"] = tickSamples;
            result["generationsSeen"] = receivedTicks.Count;
            return result;
        }
    }
}
