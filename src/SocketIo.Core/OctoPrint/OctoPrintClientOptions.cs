using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.Json;
using SocketIo.Core.SockJs;

namespace SocketIo.Core.OctoPrint
{
    /// <summary>
    /// Options of one OctoPrint push connection. The API key and the password stay in memory only, are sent only
    /// to the server (header / login body) and never appear in messages or ToString().
    /// </summary>
    public sealed class OctoPrintClientOptions
    {
        /// <summary>OctoPrint's JS client schedule (socket.js): an immediate retry, then 1,1,2,3,5,8,13,20,40,100 s.</summary>
        public static IReadOnlyList<TimeSpan> DefaultReconnectSchedule { get; } = Array.AsReadOnly(new[]
        {
            TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2),
            TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(13),
            TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(40), TimeSpan.FromSeconds(100),
        });

        /// <summary>The OctoPrint base URL (http or https), with its sub-path behind a reverse proxy if any:
        /// <c>{BaseUri}api/login</c> and <c>{BaseUri}sockjs</c> are used.</summary>
        public Uri? BaseUri { get; set; }

        /// <summary>API key: passive login with the <c>X-Api-Key</c> header (also sent on every SockJS request).</summary>
        public string? ApiKey { get; set; }

        /// <summary>User name for a credential login (with <see cref="Password"/>); exclusive with <see cref="ApiKey"/>.</summary>
        public string? UserName { get; set; }

        public string? Password { get; set; }

        /// <summary>Covers one whole connect: login, SockJS open, <c>connected</c>, auth and the first <c>history</c>.
        /// Each reconnect attempt gets the same budget.</summary>
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(20);

        public SockJsTransport Transport { get; set; } = SockJsTransport.Auto;

        /// <summary>Send <c>throttle</c> as the measured processing time (<see cref="OctoPrintClient.ReportProcessingTime"/>) asks.</summary>
        public bool Throttle { get; set; } = true;

        /// <summary>How many processing-time measurements the throttle looks at (OctoPrint's JS client: 20).</summary>
        public int ThrottleWindow { get; set; } = RateThrottle.DefaultWindowSize;

        /// <summary>Delays before reconnect attempts 1..n after the connection was lost with a code other than 1000.
        /// Empty: no reconnection.</summary>
        public IList<TimeSpan> ReconnectSchedule { get; set; } = new List<TimeSpan>(DefaultReconnectSchedule);

        /// <summary>Optional <c>subscribe</c> payload (OctoPrint 1.8+), e.g. a dictionary
        /// <c>{state: {logs: false}, events: ["PrintDone"]}</c>. Sent after the first <c>history</c> of each session.</summary>
        public object? Subscribe { get; set; }

        /// <summary>Builds incoming payloads (the PowerShell layer makes PSCustomObjects).</summary>
        public IJsonValueFactory ValueFactory { get; set; } = DefaultJsonValueFactory.Instance;

        /// <summary>Turns the caller's own outgoing types into values the JSON writer knows.</summary>
        public IOutgoingValueAdapter? ValueAdapter { get; set; }

        /// <summary>Extra headers on every request (login and SockJS).</summary>
        public IList<KeyValuePair<string, string>> Headers { get; } = new List<KeyValuePair<string, string>>();

        /// <summary>Cookies kept across the login, every SockJS request and reconnects.</summary>
        public CookieContainer Cookies { get; set; } = new CookieContainer();

        /// <summary>Per transport, when <see cref="Transport"/> is Auto: time to get the SockJS open frame.</summary>
        public TimeSpan TransportTimeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>No SockJS frame for this long (OctoPrint sends <c>h</c> every 25 s) → the connection is dead (1006).</summary>
        public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>The longest a REST request (<see cref="OctoPrintClient.Rest"/>) may take, uploads excepted.</summary>
        public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>The longest an upload may take.</summary>
        public TimeSpan UploadTimeout { get; set; } = TimeSpan.FromMinutes(30);

        /// <summary>How the client waits between reconnect attempts; replace it to test the schedule without waiting.</summary>
        public Func<TimeSpan, CancellationToken, Task> Delay { get; set; } = (delay, token) => Task.Delay(delay, token);

        internal void Validate()
        {
            if (BaseUri == null || !BaseUri.IsAbsoluteUri)
                throw new ArgumentException("BaseUri must be an absolute http or https URL.", nameof(BaseUri));
            var scheme = BaseUri.Scheme;
            if (scheme != "http" && scheme != "https" && scheme != "ws" && scheme != "wss")
                throw new ArgumentException($"BaseUri must be http or https, not '{scheme}'.", nameof(BaseUri));
            if (ApiKey != null && UserName != null)
                throw new ArgumentException("Give either an API key or a user name and password, not both.", nameof(ApiKey));
            if (UserName != null && Password == null)
                throw new ArgumentException("A user name needs a password.", nameof(Password));
            if (UserName != null && UserName.IndexOf(':') >= 0)
                throw new ArgumentException("An OctoPrint user name containing ':' cannot authenticate the push socket.", nameof(UserName));
            if (ConnectTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), "The connect timeout must be positive.");
            if (RequestTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RequestTimeout), "The request timeout must be positive.");
            if (UploadTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(UploadTimeout), "The upload timeout must be positive.");
            if (ThrottleWindow < 1) throw new ArgumentOutOfRangeException(nameof(ThrottleWindow), "The throttle window holds at least one measurement.");
            if (ValueFactory == null) throw new ArgumentNullException(nameof(ValueFactory));
            if (Delay == null) throw new ArgumentNullException(nameof(Delay));
            foreach (var delay in ReconnectSchedule ?? throw new ArgumentNullException(nameof(ReconnectSchedule)))
                if (delay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ReconnectSchedule), "Reconnect delays cannot be negative.");
        }

        /// <summary>The base URL normalized to http(s) with a trailing slash, without user info or query.</summary>
        internal Uri NormalizedBaseUri()
        {
            var uri = BaseUri!;
            var scheme = uri.Scheme == "https" || uri.Scheme == "wss" ? "https" : "http";
            var path = uri.AbsolutePath.EndsWith("/", StringComparison.Ordinal) ? uri.AbsolutePath : uri.AbsolutePath + "/";
            return new UriBuilder(scheme, uri.Host, uri.Port, path).Uri;
        }

        public override string ToString() => "OctoPrint " + (BaseUri == null ? "(no URL)" : NormalizedBaseUri().ToString());
    }
}
