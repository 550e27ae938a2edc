using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace SocketIo.PowerShell.Eventing
{
    /// <summary>Case-sensitive event-name patterns with * and ? (api.md, "Receiving"); "*" alone matches everything.</summary>
    internal sealed class EventNameFilter
    {
        public static readonly EventNameFilter All = new EventNameFilter(new[] { "*" });

        private readonly WildcardPattern[] _patterns;
        private readonly bool _matchesAll;

        public EventNameFilter(IEnumerable<string> patterns, SocketIoMessageKind kind = SocketIoMessageKind.Event)
        {
            Kind = kind;
            var list = patterns.Where(p => p != null).ToArray();
            _matchesAll = list.Length == 0 || list.Contains("*");
            _patterns = list.Select(p => new WildcardPattern(p, WildcardOptions.None)).ToArray();
            Text = string.Join(", ", list);
        }

        public string Text { get; }

        /// <summary>The kind of message it matches: each filter sees one kind only (server events by default).</summary>
        public SocketIoMessageKind Kind { get; }

        public bool Matches(SocketIoMessage message)
        {
            if (message.Kind != Kind) return false;
            if (_matchesAll) return true;
            foreach (var pattern in _patterns)
                if (pattern.IsMatch(message.EventName) || (message.FilterAlias != null && pattern.IsMatch(message.FilterAlias)))
                    return true;
            return false;
        }
    }
}
