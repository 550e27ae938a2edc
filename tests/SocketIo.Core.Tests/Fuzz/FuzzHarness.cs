using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using CsCheck;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace SocketIo.Core.Tests.Fuzz
{
    /// <summary>
    /// Runs one property over inputs drawn from a CsCheck generator, deterministically: the inputs come from a fixed
    /// seed (SOCKETIO_FUZZ_SEED), so a CI run tests the same cases every time. Each case is bounded in time: a case
    /// that runs longer than the case timeout fails the test even if it never returns (workers are dedicated
    /// background threads, watched from the test thread). A failure names the seed that reproduces it and, when
    /// CsCheck can shrink it within a few seconds, the smallest failing input found.
    /// <para>Environment: SOCKETIO_FUZZ_ITERATIONS (inputs per property; the CI default is set per property),
    /// SOCKETIO_FUZZ_SEED, SOCKETIO_FUZZ_THREADS (default 1), SOCKETIO_FUZZ_CASE_TIMEOUT_MS (default 2000),
    /// SOCKETIO_FUZZ_REPORT (a file: one JSON line of figures per property is appended).</para>
    /// </summary>
    public static class FuzzHarness
    {
        /// <summary>The fuzz classes run one after another (each property's figures are its own), beside other tests.</summary>
        public const string Collection = "Fuzz properties";

        private const int MaxFailuresKept = 5;
        private const int MaxFailuresCounted = 1000;

        public static int Iterations(int ciDefault) => ReadInt("SOCKETIO_FUZZ_ITERATIONS", ciDefault);

        public static ulong Seed
        {
            get
            {
                var text = Environment.GetEnvironmentVariable("SOCKETIO_FUZZ_SEED");
                return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seed) ? seed : 20240607UL;
            }
        }

        public static int Threads => Math.Max(1, ReadInt("SOCKETIO_FUZZ_THREADS", 1));

        public static TimeSpan CaseTimeout => TimeSpan.FromMilliseconds(Math.Max(100, ReadInt("SOCKETIO_FUZZ_CASE_TIMEOUT_MS", 2000)));

        /// <summary>Every input either satisfies the decoder's contract or is refused with a protocol error.</summary>
        public static void DecodesOrProtocolError(Action decode)
        {
            try
            {
                decode();
            }
            catch (SocketIoProtocolException e) when (!string.IsNullOrWhiteSpace(e.Message))
            {
                // Refused: the connection would close with reason "parse error".
            }
        }

        /// <param name="name">The property's name in failures and figures.</param>
        /// <param name="ciIterations">Inputs when SOCKETIO_FUZZ_ITERATIONS is not set.</param>
        public static void Run<T>(string name, Gen<T> gen, Action<T> property, int ciIterations, ITestOutputHelper? output,
            Func<T, string>? print = null)
        {
            print ??= value => Printer.Print(value);
            int iterations = Iterations(ciIterations);
            int threads = Math.Min(Threads, iterations);
            var caseTimeout = CaseTimeout;
            var workers = new Worker<T>[threads];
            var stop = new CancellationTokenSource();
            var clock = Stopwatch.StartNew();
            for (int w = 0; w < threads; w++)
            {
                int share = iterations / threads + (w < iterations % threads ? 1 : 0);
                workers[w] = new Worker<T>(name, w, share, gen, property, caseTimeout, stop.Token);
                workers[w].Start();
            }

            Worker<T>? hung = null;
            while (true)
            {
                bool allDone = true;
                foreach (var worker in workers)
                {
                    if (!worker.Finished.Wait(0)) allDone = false;
                    if (worker.RunningFor() > caseTimeout + caseTimeout) hung = worker; // the worker checks one timeout itself; this catches a case that never returns
                }
                if (allDone || hung != null) break;
                Thread.Sleep(20);
            }
            stop.Cancel();
            clock.Stop();

            long done = 0;
            var failures = new List<Failure<T>>();
            long failureCount = 0;
            foreach (var worker in workers)
            {
                done += Interlocked.Read(ref worker.Done);
                lock (worker.Failures) failures.AddRange(worker.Failures);
                failureCount += Interlocked.Read(ref worker.FailureCount);
            }
            if (hung != null)
            {
                failureCount++;
                failures.Insert(0, new Failure<T>(hung.CurrentSeed!, hung.Current!,
                    new TimeoutException($"The case did not finish within {(caseTimeout + caseTimeout).TotalSeconds:0.#} s (a hang); its thread is abandoned.")));
            }

            double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-6);
            var figures = $"{name}: {done:N0} inputs in {seconds:0.00} s = {done / seconds:N0} inputs/s on {threads} thread(s), {failureCount} failure(s) (seed {Seed})";
            output?.WriteLine(figures);
            Report(name, done, seconds, threads, failureCount);
            if (failures.Count == 0) return;

            var message = new StringBuilder();
            message.AppendLine($"{failureCount} input(s) broke '{name}' ({done:N0} run). First {Math.Min(failures.Count, MaxFailuresKept)}:");
            foreach (var failure in failures)
            {
                message.AppendLine($"--- seed \"{failure.Seed}\" (reproduce: Gen.Sample(..., seed: \"{failure.Seed}\"))");
                message.AppendLine("input: " + Truncate(SafePrint(print, failure.Input), 2000));
                message.AppendLine(failure.Error.ToString());
            }
            if (hung == null) message.AppendLine(Shrink(gen, property, failures[0].Seed, print));
            throw new XunitException(message.ToString());
        }

        private static string Shrink<T>(Gen<T> gen, Action<T> property, string seed, Func<T, string> print)
        {
            string result = "(shrinking found nothing smaller)";
            var thread = new Thread(() =>
            {
                try { gen.Sample(property, seed: seed, iter: 20_000, threads: 1, print: print); }
                catch (Exception e) { result = "shrunk: " + Truncate(e.Message, 3000); }
            }, 16 * 1024 * 1024) { IsBackground = true, Name = "fuzz shrink" };
            thread.Start();
            return thread.Join(TimeSpan.FromSeconds(10)) ? result : "(shrinking gave up after 10 s)";
        }

        private static void Report(string name, long inputs, double seconds, int threads, long failures)
        {
            var path = Environment.GetEnvironmentVariable("SOCKETIO_FUZZ_REPORT");
            if (string.IsNullOrEmpty(path)) return;
            var line = JsonSerializer.Serialize(new { property = name, inputs, seconds = Math.Round(seconds, 3), perSecond = Math.Round(inputs / seconds), threads, failures, seed = Seed.ToString(CultureInfo.InvariantCulture) });
            lock (typeof(FuzzHarness)) File.AppendAllText(path, line + Environment.NewLine);
        }

        private static string SafePrint<T>(Func<T, string> print, T value)
        {
            try { return print(value); }
            catch (Exception e) { return $"(could not print the input: {e.Message})"; }
        }

        private static string Truncate(string text, int max) => text.Length <= max ? text : text.Substring(0, max) + $"… ({text.Length} chars)";

        private static int ReadInt(string variable, int fallback) =>
            int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

        private sealed class Failure<T>
        {
            public Failure(string seed, T input, Exception error)
            {
                Seed = seed;
                Input = input;
                Error = error;
            }

            public string Seed { get; }
            public T Input { get; }
            public Exception Error { get; }
        }

        private sealed class Worker<T>
        {
            private readonly string _name;
            private readonly int _index;
            private readonly int _iterations;
            private readonly Gen<T> _gen;
            private readonly Action<T> _property;
            private readonly TimeSpan _caseTimeout;
            private readonly CancellationToken _stop;
            private long _caseStarted; // Stopwatch ticks; 0 between cases

            public long Done;
            public long FailureCount;
            public readonly List<Failure<T>> Failures = new List<Failure<T>>();
            public readonly ManualResetEventSlim Finished = new ManualResetEventSlim(false);
            public volatile string? CurrentSeed;
            public T? Current;

            public Worker(string name, int index, int iterations, Gen<T> gen, Action<T> property, TimeSpan caseTimeout, CancellationToken stop)
            {
                _name = name;
                _index = index;
                _iterations = iterations;
                _gen = gen;
                _property = property;
                _caseTimeout = caseTimeout;
                _stop = stop;
            }

            public void Start()
            {
                // A big stack: deep-nesting inputs must fail on the decoders' own depth limits, not on the test thread's.
                var thread = new Thread(Loop, 16 * 1024 * 1024) { IsBackground = true, Name = $"fuzz {_name} #{_index}" };
                thread.Start();
            }

            public TimeSpan RunningFor()
            {
                long started = Interlocked.Read(ref _caseStarted);
                return started == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(started);
            }

            private void Loop()
            {
                try
                {
                    uint stream = (uint)StableHash(_name) + (uint)_index;
                    var pcg = new PCG(stream, Seed);
                    for (int i = 0; i < _iterations && !_stop.IsCancellationRequested; i++)
                    {
                        ulong state = pcg.State;
                        CurrentSeed = pcg.ToString(state);
                        T input = default!;
                        long started = Stopwatch.GetTimestamp();
                        Interlocked.Exchange(ref _caseStarted, started);
                        Exception? error = null;
                        try
                        {
                            try { input = _gen.Generate(pcg, null!, out _); }
                            catch (Exception e) { throw new InvalidOperationException("The generator itself threw: a bug in the test, not in the code under test.", e); }
                            Current = input;
                            _property(input);
                        }
                        catch (Exception e)
                        {
                            error = e;
                        }
                        Interlocked.Exchange(ref _caseStarted, 0);
                        var elapsed = Stopwatch.GetElapsedTime(started);
                        if (error == null && elapsed > _caseTimeout)
                            error = new TimeoutException($"The case took {elapsed.TotalMilliseconds:0} ms (limit {_caseTimeout.TotalMilliseconds:0} ms).");
                        Interlocked.Increment(ref Done);
                        if (error == null) continue;
                        if (Interlocked.Increment(ref FailureCount) >= MaxFailuresCounted) break;
                        lock (Failures)
                            if (Failures.Count < MaxFailuresKept) Failures.Add(new Failure<T>(CurrentSeed, input, error));
                    }
                }
                finally
                {
                    Finished.Set();
                }
            }

            private static int StableHash(string text)
            {
                unchecked
                {
                    int hash = (int)2166136261;
                    foreach (char c in text) hash = (hash ^ c) * 16777619;
                    return hash;
                }
            }
        }
    }
}
