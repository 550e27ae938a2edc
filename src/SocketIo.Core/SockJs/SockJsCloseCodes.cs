namespace SocketIo.Core.SockJs
{
    /// <summary>Close codes a SockJS session ends with (the <c>c[...]</c> frame's, or synthesized like sockjs-client).</summary>
    public static class SockJsCloseCodes
    {
        /// <summary>An intentional close; OctoPrint's client does not reconnect after it.</summary>
        public const int Normal = 1000;

        /// <summary>A polling or streaming request was cut off (server side).</summary>
        public const int Interrupted = 1002;

        /// <summary>Synthesized when the connection broke without a <c>c</c> frame (sockjs-client does the same).</summary>
        public const int Abnormal = 1006;

        /// <summary>Another receiving connection is attached to the session.</summary>
        public const int AnotherConnectionStillOpen = 2010;

        /// <summary>sockjs-tornado's (and so OctoPrint's) code for an application-initiated close: "Go away!".</summary>
        public const int GoAway = 3000;

        public const string NormalReason = "Normal closure";
    }
}
