using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using SocketIo.PowerShell.Connections;

namespace SocketIo.PowerShell.Completers
{
    /// <summary>
    /// Completes -EventName with the names already seen on the connection given by -Connection (or on every
    /// connection of this session when it is not given yet): Socket.IO event names, OctoPrint message types and
    /// the "event:&lt;Type&gt;" names of OctoPrint events; with -Lifecycle, the lifecycle event names. Local and fast:
    /// it reads the connections' bounded name catalogs, never the network.
    /// </summary>
    public sealed class EventNameCompleter : IArgumentCompleter
    {
        /// <summary>OctoPrint's push message types (api.md, "Receiving").</summary>
        internal static readonly string[] OctoPrintMessageTypes =
        {
            "connected", "current", "history", "event", "plugin", "slicingProgress", "timelapse", "reauthRequired",
        };

        /// <summary>The print job's events, offered before they were first seen (scripts wait for them).</summary>
        internal static readonly string[] OctoPrintJobEvents =
        {
            "event:PrintStarted", "event:PrintDone", "event:PrintFailed", "event:PrintCancelled", "event:PrintPaused",
            "event:PrintResumed",
        };

        /// <summary>socket.io-client's lifecycle event names (Register-SocketIoEvent -Lifecycle).</summary>
        internal static readonly string[] LifecycleNames =
        {
            "connect", "disconnect", "connect_error", "reconnect_attempt", "reconnect_error", "reconnect", "reconnect_failed",
        };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            bool sending = string.Equals(commandName, "Send-SocketIoEvent", StringComparison.OrdinalIgnoreCase);
            bool lifecycle = CompletionHelpers.IsSet(fakeBoundParameters, "Lifecycle");
            var connections = lifecycle ? Array.Empty<Connection>() : CompletionHelpers.BoundConnections(fakeBoundParameters);
            if (sending) connections = connections.Where(c => c is SocketIoConnection).ToList();

            // name -> tooltip; the first connection that saw a name describes it.
            var names = new Dictionary<string, string>(StringComparer.Ordinal);
            if (lifecycle)
                foreach (var name in LifecycleNames) names[name] = "Lifecycle event";
            foreach (var connection in connections)
            {
                foreach (var name in connection.SeenEventNames.Snapshot())
                    if (!names.ContainsKey(name)) names[name] = $"Seen on connection {connection.Id} ({connection.Name})";
                if (connection is OctoPrintConnection)
                {
                    foreach (var type in OctoPrintMessageTypes)
                        if (!names.ContainsKey(type)) names[type] = "OctoPrint message type";
                    foreach (var type in OctoPrintJobEvents)
                        if (!names.ContainsKey(type)) names[type] = "OctoPrint event";
                }
            }

            var (typed, quote) = CompletionHelpers.Unquote(wordToComplete);
            var pattern = WildcardPattern.Get(typed + "*", WildcardOptions.IgnoreCase);
            foreach (var pair in names.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase).ThenBy(p => p.Key, StringComparer.Ordinal))
            {
                if (!pattern.IsMatch(pair.Key)) continue;
                // Receive, Register and Wait treat the name as a wildcard pattern: a literal * ? [ ] must be escaped.
                var text = sending ? pair.Key : WildcardPattern.Escape(pair.Key);
                yield return new CompletionResult(CompletionHelpers.Quote(text, quote), pair.Key, CompletionResultType.ParameterValue, pair.Value);
            }
        }
    }

    /// <summary>Completes Get-SocketIoConnection -Id with this session's connection ids.</summary>
    public sealed class ConnectionIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var typed = CompletionHelpers.Unquote(wordToComplete).Text;
            foreach (var connection in CompletionHelpers.SessionConnections())
            {
                var id = connection.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (!id.StartsWith(typed, StringComparison.Ordinal)) continue;
                yield return new CompletionResult(id, $"{id} {connection.Name}", CompletionResultType.ParameterValue,
                    $"{connection.Name} ({connection.State}) {connection.Uri}");
            }
        }
    }

    /// <summary>Completes Get-SocketIoConnection -Name with this session's connection names.</summary>
    public sealed class ConnectionNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var (typed, quote) = CompletionHelpers.Unquote(wordToComplete);
            var pattern = WildcardPattern.Get(typed + "*", WildcardOptions.IgnoreCase);
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var connection in CompletionHelpers.SessionConnections())
            {
                if (!pattern.IsMatch(connection.Name) || !seen.Add(connection.Name)) continue;
                yield return new CompletionResult(CompletionHelpers.Quote(WildcardPattern.Escape(connection.Name), quote), connection.Name,
                    CompletionResultType.ParameterValue, $"Connection {connection.Id} ({connection.State}) {connection.Uri}");
            }
        }
    }

    internal static class CompletionHelpers
    {
        private static readonly char[] NeedsQuotes = " \t'\"`$;,(){}|&@#<>".ToCharArray();

        /// <summary>This session's connections, or none when there is no runspace on this thread.</summary>
        public static IReadOnlyList<Connection> SessionConnections() =>
            System.Management.Automation.Runspaces.Runspace.DefaultRunspace == null
                ? Array.Empty<Connection>()
                : ConnectionRegistry.Current.All();

        /// <summary>True when a switch parameter is given (and not as -Switch:$false).</summary>
        public static bool IsSet(IDictionary? fakeBoundParameters, string name)
        {
            if (fakeBoundParameters == null || !fakeBoundParameters.Contains(name)) return false;
            var value = fakeBoundParameters[name];
            if (value is PSObject wrapped) value = wrapped.BaseObject;
            return value switch
            {
                null => true,
                bool b => b,
                SwitchParameter s => s.IsPresent,
                _ => true,
            };
        }

        /// <summary>The connections -Connection is bound to, else every connection of this session.</summary>
        public static IReadOnlyList<Connection> BoundConnections(IDictionary? fakeBoundParameters)
        {
            var bound = new List<Connection>();
            if (fakeBoundParameters != null && fakeBoundParameters.Contains("Connection")) Collect(fakeBoundParameters["Connection"], bound, 0);
            return bound.Count > 0 ? bound : SessionConnections();
        }

        private static void Collect(object? value, List<Connection> into, int depth)
        {
            if (value is PSObject wrapped) value = wrapped.BaseObject;
            if (value is Connection connection)
            {
                if (!into.Contains(connection)) into.Add(connection);
            }
            else if (value is IEnumerable items && !(value is string) && depth < 2)
            {
                foreach (var item in items) Collect(item, into, depth + 1);
            }
        }

        /// <summary>The word without its opening (and closing) quote, and that quote character ('\0' for none).</summary>
        public static (string Text, char Quote) Unquote(string? word)
        {
            if (string.IsNullOrEmpty(word)) return (string.Empty, '\0');
            char quote = word![0] == '\'' || word[0] == '"' ? word[0] : '\0';
            if (quote == '\0') return (word, quote);
            var text = word.Substring(1);
            if (text.Length > 0 && text[text.Length - 1] == quote) text = text.Substring(0, text.Length - 1);
            return (text, quote);
        }

        /// <summary>Single-quotes the text when it needs quoting or the user started with a quote.</summary>
        public static string Quote(string text, char userQuote)
        {
            bool needs = userQuote != '\0' || text.Length == 0 || text.IndexOfAny(NeedsQuotes) >= 0 || text[0] == '-';
            return needs ? "'" + text.Replace("'", "''") + "'" : text;
        }
    }
}
